"""``manage.py screen_file``: issue 11's file contract, the default thresholds, clear errors and no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from screening.core import files
from screening.core.images import ImageFindings
from tests.screening.imaging import product_image

BASE_DIR = Path(__file__).resolve().parents[2]

ASSETS = {
    "brands": [
        {
            "id": "nw",
            "name": "Northwind",
            "keywords": ["北风"],
            "categories": ["Sneakers"],
            "reference_price": "140.00",
            "currency": "EUR",
            "reference_images": ["images/nw-ref.png"],
            "counterfeit_images": ["images/nw-fake.png"],
            "authorised_stores": ["s-auth"],
        },
        {"id": 7, "name": "Harbor", "categories": ["Bags"], "reference_price": "216", "currency": "USD"},
    ],
    "banned_categories": ["Airbag components"],
}

LISTINGS = [
    {"id": "l-1", "store": "s-1", "title": "N0rthw1nd sneakers AAA quality", "description": "", "category": "Sneakers",
     "price": "25.00", "currency": "EUR", "images": ["pics/l-1.jpg"]},
    {"id": "l-2", "store": "s-1", "title": "Northwind sneakers", "description": "worn twice", "category": "Sneakers",
     "price": "21.60", "currency": "USD", "images": []},
    {"id": "l-3", "store": "s-2", "title": "Harbor view poster", "description": "", "category": "Posters",
     "price": "5", "currency": "EUR", "images": []},
    {"id": "l-4", "store": "s-auth", "title": "Northwind sneakers 1:1", "description": "", "category": "Sneakers",
     "price": "20", "currency": "EUR", "images": []},
    {"id": 5, "store": "s-3", "title": "Airbag module", "description": "", "category": "Airbag components",
     "price": "40", "currency": "CNY", "images": []},
    {"id": "l-6", "store": "s-3", "title": "北风运动鞋 高仿", "description": "", "category": "Sneakers",
     "price": "150", "currency": "CNY", "images": []},
]  # fmt: skip


def write_inputs(tmp_path, assets=ASSETS, listings=LISTINGS):
    (tmp_path / "assets").mkdir()
    (tmp_path / "feed").mkdir()
    assets_path = tmp_path / "assets" / "ASSETS.json"
    listings_path = tmp_path / "feed" / "LISTINGS.jsonl"
    # The images named, as files (unrelated pictures: they match nothing).
    for brand in assets.get("brands", []) if isinstance(assets, dict) else []:
        for path in [*brand.get("reference_images", []), *brand.get("counterfeit_images", [])]:
            _image_write(tmp_path / "assets" / path)
    for listing in listings:
        for path in listing.get("images", []) if isinstance(listing, dict) else []:
            _image_write(tmp_path / "feed" / path)
    assets_path.write_text(json.dumps(assets, ensure_ascii=False), encoding="utf-8")
    lines = [line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in listings]
    listings_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return assets_path, listings_path, tmp_path / "RESULTS.jsonl"


def run(assets_path, listings_path, output_path):
    call_command("screen_file", assets=str(assets_path), listings=str(listings_path), output=str(output_path))
    return [json.loads(line) for line in output_path.read_text(encoding="utf-8").splitlines()]


def test_one_result_a_line_in_the_contracts_shape(tmp_path):
    results = run(*write_inputs(tmp_path))
    assert [r["id"] for r in results] == ["l-1", "l-2", "l-3", "l-4", 5, "l-6"]
    for result in results:
        assert set(result) == {"id", "outcome", "brand", "score", "signals"}
        assert result["outcome"] in {"notice", "alert", "clear", "blocked"}
        assert 0 <= result["score"] <= 1
        for signal in result["signals"]:
            assert set(signal) == {"kind", "evidence"}
            assert signal["kind"] in {"keyword", "ocr", "image", "price", "replica", "category", "merchant"}
    by_id = {r["id"]: r for r in results}
    assert (by_id["l-1"]["outcome"], by_id["l-1"]["brand"]) == ("notice", "nw")
    assert (by_id["l-2"]["outcome"], by_id["l-2"]["brand"]) == ("alert", "nw")  # 20 EUR: 14 % of the reference
    assert by_id["l-2"]["signals"][-1] == {
        "kind": "price",
        "evidence": "21.60 USD (20.00 EUR) is 14% of the reference price 140.00 EUR",
    }
    assert (by_id["l-3"]["outcome"], by_id["l-3"]["brand"]) == ("clear", None)  # Harbor: an ordinary word
    assert (by_id["l-4"]["outcome"], by_id["l-4"]["score"]) == ("clear", 0.0)  # an authorised store
    assert by_id[5] == {
        "id": 5,
        "outcome": "blocked",
        "brand": None,
        "score": 1.0,
        "signals": [{"kind": "category", "evidence": 'category "Airbag components" is banned'}],
    }
    assert by_id["l-6"]["outcome"] == "notice"
    assert by_id["l-6"]["signals"][0] == {"kind": "keyword", "evidence": 'title: "北风" (keyword "北风")'}


def test_it_says_what_it_did(tmp_path, capsys):
    run(*write_inputs(tmp_path))
    out = capsys.readouterr().out
    assert "Screened 6 listings against assets version " in out
    assert "1 blocked, 2 notice, 1 alert, 2 clear." in out


def _image_write(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    product_image(sum(path.name.encode()), (160, 160)).save(path)


def test_a_reference_image_that_cannot_be_read_is_named(tmp_path):
    assets_path, listings_path, output_path = write_inputs(tmp_path)
    (tmp_path / "assets" / "images" / "nw-fake.png").write_bytes(b"not an image")
    with pytest.raises(CommandError) as failed:
        call_command("screen_file", assets=str(assets_path), listings=str(listings_path), output=str(output_path))
    assert "ASSETS.json: brand 'nw': counterfeit image" in str(failed.value) and "nw-fake.png" in str(failed.value)
    assert not output_path.exists()


def test_image_paths_are_relative_to_each_files_folder_and_reach_the_image_hook(tmp_path, monkeypatch):
    seen = {}

    class RecordingImages:
        def findings(self, listing):
            seen[listing.id] = listing.images
            return ImageFindings()

    def image_screener_for(snapshot, thresholds):
        seen["reference"] = [image.path for brand in snapshot.brands for image in brand.reference_images]
        seen["counterfeit"] = [image.path for brand in snapshot.brands for image in brand.counterfeit_images]
        return RecordingImages()

    monkeypatch.setattr(files, "image_screener_for", image_screener_for)
    run(*write_inputs(tmp_path))
    assert seen == {
        "reference": [str(tmp_path / "assets" / "images" / "nw-ref.png")],
        "counterfeit": [str(tmp_path / "assets" / "images" / "nw-fake.png")],
        "l-1": (str(tmp_path / "feed" / "pics" / "l-1.jpg"),),
    }


def test_blank_lines_are_skipped(tmp_path):
    results = run(*write_inputs(tmp_path, listings=[LISTINGS[0], "", "   ", LISTINGS[1]]))
    assert [r["id"] for r in results] == ["l-1", "l-2"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda assets, feed: assets.unlink(), "ASSETS.json: no such file"),
        (lambda assets, feed: feed.unlink(), "LISTINGS.jsonl: no such file"),
        (lambda assets, feed: assets.write_text('{"brands": [\n  {"id": "x",}\n]}'), "ASSETS.json: line 2 column 14: bad JSON"),
        (lambda assets, feed: feed.write_text('{"id": 1, "title": "a"}\n\n{"id": 2, "title": \n'), "LISTINGS.jsonl: line 3 column"),
        (
            lambda assets, feed: feed.write_text('{"id": "a", "title": "t"}\n{"id": "b", "title": "t", "price": "3", "currency": "GBP"}\n'),
            "LISTINGS.jsonl: line 2 (listing 'b'): unknown currency 'GBP' (known: CNY, EUR, USD)",
        ),
        (
            lambda assets, feed: assets.write_text(json.dumps({"brands": [{**ASSETS["brands"][0], "currency": "JPY"}]})),
            "ASSETS.json: brands[0] (nw): unknown currency 'JPY' (known: CNY, EUR, USD)",
        ),
        (lambda assets, feed: feed.write_text('{"id": 1, "title": "a", "price": "x", "currency": "EUR"}\n'), "line 1 (listing 1): \"price\""),
        (lambda assets, feed: feed.write_text('[1, 2]\n'), "line 1: a listing is a JSON object"),
        (lambda assets, feed: feed.write_bytes(b'{"id": 1, "title": "\xff"}\n'), "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_input_stops_with_a_clear_message_and_no_results_file(tmp_path, change, message):
    assets_path, listings_path, output_path = write_inputs(tmp_path)
    change(assets_path, listings_path)
    with pytest.raises(CommandError) as refused:
        call_command("screen_file", assets=str(assets_path), listings=str(listings_path), output=str(output_path))
    assert message in str(refused.value)
    assert not output_path.exists()
    assert list(tmp_path.glob(".RESULTS*")) == []


def test_a_missing_output_folder_is_refused(tmp_path):
    assets_path, listings_path, _ = write_inputs(tmp_path)
    with pytest.raises(CommandError, match="no such folder"):
        call_command(
            "screen_file", assets=str(assets_path), listings=str(listings_path), output=str(tmp_path / "x" / "R")
        )


def test_an_error_leaves_an_earlier_results_file_as_it_was(tmp_path):
    assets_path, listings_path, output_path = write_inputs(tmp_path)
    output_path.write_text("earlier\n")
    listings_path.write_text('{"id": 1, "title": "a"}\nnot json\n')
    with pytest.raises(CommandError, match="line 2"):
        call_command("screen_file", assets=str(assets_path), listings=str(listings_path), output=str(output_path))
    assert output_path.read_text() == "earlier\n"


def test_from_the_shell_an_error_is_one_line_and_a_nonzero_exit_never_a_traceback(tmp_path):
    assets_path, listings_path, output_path = write_inputs(tmp_path)
    listings_path.write_text('{"id": 1, "title": "a", "price": "1", "currency": "XXX"}\n')
    command = [
        sys.executable,
        "manage.py",
        "screen_file",
        "--assets",
        str(assets_path),
        "--listings",
        str(listings_path),
    ]
    done = subprocess.run([*command, "--output", str(output_path)], cwd=BASE_DIR, capture_output=True, text=True)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert (
        done.stderr.strip().splitlines()[-1]
        == f"CommandError: {listings_path}: line 1 (listing 1): unknown currency 'XXX' (known: CNY, EUR, USD)"
    )
    missing = subprocess.run(
        [*command[:4], str(tmp_path / "nope.json"), *command[5:], "--output", str(output_path)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert "nope.json: no such file" in missing.stderr


def test_from_the_shell_it_screens(tmp_path):
    assets_path, listings_path, output_path = write_inputs(tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "screen_file", "--assets", str(assets_path), "--listings", str(listings_path),
         "--output", str(output_path)],
        cwd=BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(output_path.read_text(encoding="utf-8").splitlines()) == len(LISTINGS)

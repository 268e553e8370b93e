"""Who may sign in: persons, never the principal an API key acts as (portal/authentication.py).

The API's side (a principal's session is a 401 on every operation) is in tests/api/test_access_matrix.py.
"""

from django.urls import reverse

from tests import factories


def _sign_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": factories.PASSWORD})


def test_a_keys_principal_cannot_sign_in_even_with_a_password_an_administrator_set(client, brand_a, owner_a):
    principal = factories.api_principal_of(brand_a.organisation, role="owner")
    principal.set_password(factories.PASSWORD)
    principal.save(update_fields=["password"])
    response = _sign_in(client, principal)
    assert response.status_code == 200, "the form is shown again"
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors()
    # The same form signs a person in.
    assert _sign_in(client, owner_a).status_code == 302
    assert client.session["_auth_user_id"] == str(owner_a.pk)


def test_a_session_made_for_a_keys_principal_is_nobodys(client, brand_a):
    principal = factories.api_principal_of(brand_a.organisation, role="owner")
    # No sign-in makes one: a session kept from before the rule, or forged in the session store.
    client.force_login(principal)  # with the backend the settings name
    response = client.get(reverse("account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login")), response


def test_a_persons_session_is_unchanged(client, owner_a):
    client.force_login(owner_a)
    assert client.get(reverse("account")).status_code == 200

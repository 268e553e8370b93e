"""Prices compared across currencies at the fixed rates of issue 11: 1 EUR = 1.08 USD = 7.8 CNY."""

from decimal import Decimal, InvalidOperation

# Units of each currency that one euro buys.
PER_EURO = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "CNY": Decimal("7.8")}
CURRENCIES = tuple(sorted(PER_EURO))


class UnknownCurrency(ValueError):
    def __init__(self, currency):
        super().__init__(f"unknown currency {currency!r} (known: {', '.join(CURRENCIES)})")
        self.currency = currency


def currency_check(currency):
    """The currency code in upper case, or UnknownCurrency."""
    code = currency.strip().upper() if isinstance(currency, str) else currency
    if code not in PER_EURO:
        raise UnknownCurrency(currency)
    return code


def in_euros(amount, currency):
    return amount / PER_EURO[currency]


def amount_parse(value):
    """A price from JSON (a string such as "140.00", or a number) as a Decimal; ValueError if it is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'a price is a number or a string such as "140.00", not {value!r}')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a price") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} is not a price")
    return amount

"""The office manager's vendor screens: vendors with who to call, their catalogue with
today's price and the history; wrong input refused with the reason and nothing saved;
prices are the manager's: a clinician sees stock, not vendors or prices."""

from datetime import timedelta

from medoffice.core.roles import Role
from medoffice.inventory.models import Vendor, VendorPrice
from tests.inventory.conftest import TODAY


def test_the_manager_adds_a_vendor_and_records_prices_with_their_history(
    manager, client_for, gloves
):
    client = client_for(manager)

    added = client.post("/inventory/vendors/add/", {
        "name": "Lakeside Biomedical", "services": "Calibration and repairs",
        "phone": "(217) 555-0100", "email": "service@lakeside.example",
    })  # fmt: skip
    vendor = Vendor.objects.get(name="Lakeside Biomedical")
    assert added.status_code == 302
    assert added["Location"] == f"/inventory/vendors/{vendor.public_id}/"
    for price, day in (("8.10", TODAY - timedelta(days=90)), ("8.40", TODAY),
                       ("9.00", TODAY + timedelta(days=30))):  # fmt: skip
        response = client.post(f"/inventory/vendors/{vendor.public_id}/prices/", {
            "item": gloves.public_id, "unit_price": price, "effective_on": day.isoformat(),
            "vendor_sku": "LB-GLV",
        })  # fmt: skip
        assert response.status_code == 302

    page = client.get(f"/inventory/vendors/{vendor.public_id}/").content.decode()
    listing = client.get("/inventory/vendors/").content.decode()

    assert "Calibration and repairs" in listing
    assert "Lakeside Biomedical" in listing
    today_cell = page.split('<td class="num">')[1].split("</td>")[0]
    assert today_cell == "$8.40"
    assert page.index("$9.00 from") < page.index("$8.40 from") < page.index("$8.10 from")


def test_wrong_vendor_and_price_input_is_refused_with_the_reason(
    manager, client_for, gloves, vendor, practice, other_practice
):
    from medoffice.inventory.models import Item

    client = client_for(manager)
    url = f"/inventory/vendors/{vendor.public_id}/prices/"
    elsewhere = Item.objects.create(practice=other_practice, name="Their gauze", sku="X")
    client.post(url, {"item": gloves.public_id, "unit_price": "8.00",
                      "effective_on": TODAY.isoformat()})  # fmt: skip

    same_name = client.post("/inventory/vendors/add/", {"name": "midwest medical supply"})
    negative = client.post(url, {"item": gloves.public_id, "unit_price": "-1",
                                 "effective_on": TODAY.isoformat()})  # fmt: skip
    twice = client.post(url, {"item": gloves.public_id, "unit_price": "8.50",
                              "effective_on": TODAY.isoformat()})  # fmt: skip
    theirs = client.post(url, {"item": elsewhere.public_id, "unit_price": "1.00",
                               "effective_on": TODAY.isoformat()})  # fmt: skip

    assert same_name.status_code == 422
    assert "already a vendor of that name" in same_name.content.decode()
    assert negative.status_code == 422
    assert "greater than or equal to 0" in negative.content.decode()
    assert twice.status_code == 422
    assert "already has a price for Nitrile gloves, medium" in twice.content.decode()
    assert theirs.status_code == 422
    assert "Choose one of the practice" in theirs.content.decode()
    assert Vendor.objects.filter(practice=practice).count() == 1
    assert list(VendorPrice.objects.values_list("unit_price", flat=True)) == [8]


def test_clinicians_see_no_vendors_or_prices_and_other_practices_get_404(
    make_user, client_for, vendor, other_practice
):
    clinician = client_for(make_user(Role.CLINICIAN))
    outsider = client_for(make_user(Role.OFFICE_MANAGER, practice_=other_practice))

    assert clinician.get("/inventory/vendors/").status_code == 403
    assert clinician.get(f"/inventory/vendors/{vendor.public_id}/").status_code == 403
    assert "Vendors</a>" not in clinician.get("/inventory/").content.decode()
    assert outsider.get(f"/inventory/vendors/{vendor.public_id}/").status_code == 404

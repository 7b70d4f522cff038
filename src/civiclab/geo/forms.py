"""Forms of the analysis pages: the proximity question and the map's extra layers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.geo.spatial.units import METRES_PER, parse_distance

UNIT_CHOICES = [
    ("ft", _("feet")),
    ("m", _("metres")),
    ("yd", _("yards")),
    ("km", _("kilometres")),
    ("mi", _("miles")),
]
METHOD_CHOICES = [
    ("shapes", _("Between the shapes, edge to edge")),
    ("points", _("Between one point inside each shape")),
]
RESOLUTION_CHOICES = [
    (7, _("7 — about 5 km² per hexagon")),
    (8, _("8 — about 0.7 km² per hexagon")),
    (9, _("9 — about 0.1 km² per hexagon")),
    (10, _("10 — about 0.015 km² per hexagon")),
]
FDR_CHOICES = [("0.01", "1 %"), ("0.05", "5 %"), ("0.1", "10 %")]
assert {code for code, _label in UNIT_CHOICES} <= set(METRES_PER)


class ProximityForm(forms.Form):
    """Rows of one dataset within a distance of any row of another; optionally saved."""

    origin = forms.ChoiceField(label=_("Rows of"))
    near = forms.ChoiceField(label=_("Near a row of"))
    distance = forms.DecimalField(
        label=_("Within"), min_value=0, max_digits=12, decimal_places=3, initial=150
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=UNIT_CHOICES,
        initial="ft",
        # A distance without its unit is refused everywhere (the API and the CLI too).
        error_messages={
            "required": _("Choose the distance's unit: feet, metres, yards, kilometres or miles."),
            "invalid_choice": _(
                "Choose the distance's unit: feet, metres, yards, kilometres or miles."
            ),
        },
    )
    method = forms.ChoiceField(
        label=_("Measure"),
        choices=METHOD_CHOICES,
        initial="shapes",
        required=False,  # shapes unless told otherwise, as in the API and the CLI
        help_text=_(
            "Between the shapes counts a parcel whose edge comes within the distance; with "
            "points, only the distance between a point inside each shape counts."
        ),
    )
    save_as = forms.CharField(
        label=_("Save the matching rows as a dataset named"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to only count. Saving needs the right to import data."),
    )
    add_version = forms.BooleanField(
        label=_("Add a new version of the existing dataset"),
        required=False,
        help_text=_(
            "Needed when the name is an existing dataset's: its rows are then replaced by the "
            "matching rows (earlier versions stay in its history)."
        ),
    )

    def __init__(self, *args: Any, datasets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("origin", "near"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = datasets

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        data["method"] = data.get("method") or "shapes"
        if "distance" in data and "unit" in data:
            try:
                data["distance_m"] = parse_distance(f"{data['distance']}{data['unit']}")
            except ValueError:
                self.add_error("distance", _("The distance must be more than 0."))
        return data


class MapLayersForm(forms.Form):
    """The map page's extra layers (read from the query string, like its filters)."""

    hexagons = forms.BooleanField(label=_("Density of rows per hexagon (H3)"), required=False)
    hotspots = forms.BooleanField(label=_("Hot and cold spots"), required=False)
    resolution = forms.TypedChoiceField(
        label=_("Hexagon size for hotspots (H3 resolution)"),
        choices=RESOLUTION_CHOICES,
        coerce=int,
        initial=9,
        required=False,
        # django-stubs types empty_value as str; Django returns it as given when empty
        empty_value=9,  # type: ignore[arg-type]
    )
    keep_far_outside = forms.BooleanField(
        label=_("Keep the rows far outside the city in the hotspots' study area"),
        required=False,
    )
    fdr = forms.TypedChoiceField(
        label=_("False discovery rate"),
        choices=FDR_CHOICES,
        coerce=float,
        initial="0.05",
        required=False,
        # django-stubs types empty_value as str; Django returns it as given when empty
        empty_value=0.05,  # type: ignore[arg-type]
    )

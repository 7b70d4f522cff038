"""Forms of the city data pages: catalogue entries, the upload, and the column overrides;
the fields of a filter, which the indicator builder and the map page share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from civiclab.accounts.people import display_name
from civiclab.core.models import VISIBILITY_CHOICES
from civiclab.core.permissions import Visibility
from civiclab.datasets import services
from civiclab.datasets.ingest.columns import ColumnType
from civiclab.datasets.models import (
    DICTIONARY_DESCRIPTION_MAX,
    DICTIONARY_UNIT_MAX,
    THEMES,
    Dataset,
    DataSource,
)
from civiclab.datasets.queries import owner_candidates

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FORMAT_CHOICES = [
    ("auto", _("Detect from the file")),
    ("csv", _("CSV")),
    ("socrata", _("Socrata export (CSV or JSON)")),
    ("open311", _("Open311 (JSON or XML)")),
    ("geo", _("Map data (GeoJSON, GeoPackage, zipped Shapefile)")),
    ("xlsx", _("Excel workbook (.xlsx)")),
]
MODE_CHOICES = [
    ("replace", _("Replace: the file becomes the whole dataset")),
    ("append", _("Append: add the file's rows to the current version")),
    ("upsert", _("Upsert: add new rows, update rows with the same key")),
]
TYPE_LABELS = {
    ColumnType.INTEGER: _("Whole number"),
    ColumnType.DECIMAL: _("Decimal number"),
    ColumnType.TEXT: _("Text"),
    ColumnType.BOOLEAN: _("True/false"),
    ColumnType.DATE: _("Date"),
    ColumnType.TIMESTAMP: _("Date and time"),
    ColumnType.CATEGORY: _("Category"),
    ColumnType.LATITUDE: _("Latitude"),
    ColumnType.LONGITUDE: _("Longitude"),
    ColumnType.GEOMETRY: _("Geometry"),
}
# Paths under /cities/<city>/data/ that a dataset's slug must not take.
RESERVED_SLUGS = {"import"}


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas; the service cleans and bounds them."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [t.strip() for t in text.split(",") if t.strip()]


class DatasetForm(forms.ModelForm):
    """A catalogue entry; its owner is one of the dataset's city's people (by name)."""

    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=THEMES, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = TagsField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Words to find the dataset by, separated by commas."),
    )

    class Meta:
        model = Dataset
        fields = [
            "name", "description", "source", "update_frequency", "owner", "licence", "visibility",
            "themes", "tags",
        ]  # fmt: skip
        labels = {"owner": _("Owner")}
        help_texts = {
            "update_frequency": _(
                "How often new data is expected: the owner is reminded when an update is due."
            ),
            "owner": _("Who keeps the data up to date."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = owner_candidates(self.instance.city_id)
        owner.label_from_instance = display_name  # type: ignore[method-assign,assignment]
        owner.empty_label = _("— none —")


class ImportOptionsForm(forms.Form):
    """What to import into and how; shared by the upload step and the column check step."""

    dataset = forms.CharField(
        label=_("Dataset"),
        max_length=200,
        help_text=_("A new name makes a new dataset; an existing name adds a version to it."),
        widget=forms.TextInput(attrs={"list": "dataset-names", "autocomplete": "off"}),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="replace")
    key = forms.CharField(
        label=_("Key column"),
        max_length=200,
        required=False,
        help_text=_("For upsert: the column that identifies a row, such as a request number."),
    )
    max_bad_rows = forms.IntegerField(
        label=_("Bad rows to accept"),
        min_value=0,
        initial=0,
        help_text=_(
            "Rows with values that do not fit their column are left out and listed in a "
            "report. With more bad rows than this, nothing is imported."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        help_text=_("For a new dataset; an existing one keeps its own."),
    )
    add_version = forms.BooleanField(
        label=_("Add a new version of the existing dataset"),
        required=False,
        help_text=_(
            "Needed when the name is an existing dataset's: its rows are then replaced by "
            "the file's (earlier versions stay in its history)."
        ),
    )

    def __init__(self, *args: Any, city: Any, widest: Visibility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city = city
        self.widest = widest
        # Datasets get no team when imported, so "team only" would hide them from their team.
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = [
            (value, label)
            for value, label in VISIBILITY_CHOICES
            if value != Visibility.TEAM and Visibility(value).breadth <= widest.breadth
        ]
        visibility.initial = Visibility.CITY.value

    def clean_dataset(self) -> str:
        name = self.cleaned_data["dataset"].strip()
        slug = slugify(name)
        if not slug:
            raise forms.ValidationError(_("Use some letters or digits in the name."))
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This name is reserved; choose another."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        name, mode = data.get("dataset"), data.get("mode")
        if name and mode in ("append", "upsert"):
            existing = services.find_dataset(self.city, name)
            if existing is None or existing.current_version_id is None:
                self.add_error(
                    "mode",
                    _("There is no dataset called “%(name)s” to add to: choose Replace.")
                    % {"name": name},
                )
        if mode == "upsert" and not data.get("key", "").strip():
            self.add_error("key", _("Upsert needs a key column."))
        if name and mode:
            self._check_existing(name, mode, data.get("add_version", False))
        return data

    def _check_existing(self, name: str, mode: str, add_version: bool) -> None:
        """An existing name is written to only when that is asked for, and only by someone
        who may share rows as widely as that dataset is shared."""
        existing = services.find_dataset(self.city, name)
        if existing is None:
            return
        if mode == "replace" and not add_version:
            self.add_error(
                "dataset",
                _(
                    "A dataset called “%(name)s” already exists (visible to: %(visibility)s). "
                    "Tick “Add a new version of the existing dataset” to replace its rows "
                    "with this file, or choose another name."
                )
                % {"name": existing.name, "visibility": existing.get_visibility_display()},
            )
        elif Visibility(existing.visibility).breadth > self.widest.breadth:
            self.add_error(
                "dataset",
                _(
                    "“%(name)s” is shared beyond the city (visible to: %(visibility)s): only "
                    "a city admin may add a version to it. Choose another name."
                )
                % {"name": existing.name, "visibility": existing.get_visibility_display()},
            )

    def options(self, fmt: str, overrides: dict[str, dict[str, Any]]) -> services.ImportOptions:
        data = self.cleaned_data
        return services.ImportOptions(
            format=fmt,
            mode=data["mode"],
            key=data["key"].strip() or None,
            max_bad_rows=data["max_bad_rows"],
            overrides=overrides,
            visibility=data["visibility"],
            add_version=data.get("add_version", False),
        )


class UploadForm(ImportOptionsForm):
    """Step 1: the file and the options."""

    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="auto")

    field_order = [
        "file",
        "dataset",
        "add_version",
        "format",
        "mode",
        "key",
        "max_bad_rows",
        "visibility",
    ]


class ColumnsForm(forms.Form):
    """Step 2: one name, type, format and missing-value markers per detected column."""

    def __init__(self, *args: Any, columns: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        for i, column in enumerate(columns):
            geometry = column["type"] == ColumnType.GEOMETRY
            # A geometry stays a geometry; text cannot become one.
            types = [t for t in ColumnType if (t is ColumnType.GEOMETRY) == geometry]
            source = column["source"]
            self.fields[f"c{i}_name"] = forms.CharField(
                label=_("Name of %(column)s") % {"column": source},
                max_length=200,
                initial=column["name"],
            )
            self.fields[f"c{i}_type"] = forms.ChoiceField(
                label=_("Type of %(column)s") % {"column": source},
                choices=[(t.value, TYPE_LABELS[t]) for t in types],
                initial=column["type"],
            )
            self.fields[f"c{i}_format"] = forms.CharField(
                label=_("Format of %(column)s") % {"column": source},
                max_length=100,
                required=False,
                initial=column.get("format") or "",
            )
            self.fields[f"c{i}_nulls"] = forms.CharField(
                label=_("Values of %(column)s that mean missing") % {"column": source},
                max_length=500,
                required=False,
                initial=", ".join(column.get("null_markers") or ()),
            )

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields of each column, for the table of the template."""
        return [
            {
                "source": column["source"],
                "name": self[f"c{i}_name"],
                "type": self[f"c{i}_type"],
                "format": self[f"c{i}_format"],
                "nulls": self[f"c{i}_nulls"],
            }
            for i, column in enumerate(self.columns)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        seen: dict[str, str] = {}
        for i in range(len(self.columns)):
            name = (data.get(f"c{i}_name") or "").strip()
            if name in seen:
                self.add_error(
                    f"c{i}_name",
                    _("“%(name)s” is already the name of %(column)s.")
                    % {"name": name, "column": seen[name]},
                )
            seen[name] = self.columns[i]["source"]
        return data

    def overrides(self) -> dict[str, dict[str, Any]]:
        """What the person changed from the detected columns, as ImportOptions.overrides."""
        result: dict[str, dict[str, Any]] = {}
        for i, column in enumerate(self.columns):
            change: dict[str, Any] = {}
            name = self.cleaned_data[f"c{i}_name"].strip()
            if name != column["name"]:
                change["name"] = name
            if self.cleaned_data[f"c{i}_type"] != column["type"]:
                change["type"] = self.cleaned_data[f"c{i}_type"]
            fmt = self.cleaned_data[f"c{i}_format"].strip() or None
            if fmt != column.get("format"):
                change["format"] = fmt
            markers = [m.strip() for m in self.cleaned_data[f"c{i}_nulls"].split(",")]
            markers = [m for m in markers if m]
            if markers != list(column.get("null_markers") or ()):
                change["null_markers"] = markers
            if change:
                result[column["source"]] = change
        return result


# -- filters (the language in datasets/filters/, shared by indicators and maps) ----------------
# The operators as people read them; "" is no filter.
OP_CHOICES = [
    ("", "—"),
    ("=", "="),
    ("!=", "≠"),
    ("in", _("in")),
    ("not in", _("not in")),
    ("between", _("between")),
    ("contains", _("contains")),
    ("is null", _("is empty")),
    ("is not null", _("is not empty")),
]


def filter_fields(
    column: StrOrPromise, condition: StrOrPromise, value: StrOrPromise
) -> dict[str, forms.Field]:
    """A filter's column, condition and value (the column's choices are set per dataset);
    the value is read with ``filters.language.filter_value``."""
    return {
        "column": forms.ChoiceField(label=column, required=False),
        "op": forms.ChoiceField(label=condition, choices=OP_CHOICES, required=False),
        "value": forms.CharField(
            label=value,
            required=False,
            max_length=500,
            help_text=_("For in, not in and between: values separated by commas."),
        ),
    }


class DictionaryForm(forms.Form):
    """One description and one unit per column of the current version (``entries``, as
    ``queries.data_dictionary`` gives them); fields are numbered, so any column name works."""

    def __init__(self, entries: list[dict[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = [e["name"] for e in entries]
        for i, entry in enumerate(entries):
            self.fields[f"description_{i}"] = forms.CharField(
                label=_("%(column)s: description") % {"column": entry["name"]},
                required=False,
                max_length=DICTIONARY_DESCRIPTION_MAX,
                initial=entry["description"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"unit_{i}"] = forms.CharField(
                label=_("%(column)s: unit") % {"column": entry["name"]},
                required=False,
                max_length=DICTIONARY_UNIT_MAX,
                initial=entry["unit"],
            )

    def entries(self) -> dict[str, dict[str, str]]:
        return {
            name: {
                "description": self.cleaned_data[f"description_{i}"],
                "unit": self.cleaned_data[f"unit_{i}"],
            }
            for i, name in enumerate(self.columns)
        }


class DataSourceForm(forms.Form):
    """Where the dataset refreshes itself from (checked again by ``refresh.bind_source``)."""

    kind = forms.ChoiceField(label=_("Kind of source"), choices=DataSource.Kind.choices)
    url = forms.CharField(
        label=_("Address"),
        max_length=2000,
        help_text=_(
            "An http(s) address: a SODA endpoint (…/resource/abcd-1234.json), a Socrata "
            "export, an Open311 requests.json, a CSV or GeoJSON file."
        ),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="replace")
    key = forms.CharField(
        label=_("Key column(s)"),
        required=False,
        max_length=500,
        help_text=_("To upsert: the column(s) that identify a row, separated by commas."),
    )
    schedule = forms.ChoiceField(
        label=_("Schedule"), choices=DataSource.Schedule.choices, initial="off"
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    max_bad_rows = forms.IntegerField(
        label=_("Bad rows allowed"), min_value=0, max_value=1_000_000, initial=0
    )
    start_from = forms.DateTimeField(
        label=_("First refresh from"),
        required=False,
        help_text=_("Open311: the first refresh reads the requests made since this date."),
    )

"""The discussions' forms: a thread, a reply, a report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civiclab.exchange.models.discussions import TITLE_LIMIT
from civiclab.exchange.services.discussions import BODY_LIMIT, REASON_LIMIT

MARKDOWN_HELP = _(
    "Markdown: **bold**, _italic_, `code`, [a link](https://…), lists, quotes, tables. "
    "Mention someone who reads this thread with @ and their address (@ana@city.org) or the part "
    "before the @ (@ana)."
)


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_LIMIT)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MARKDOWN_HELP,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"),
        max_length=REASON_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

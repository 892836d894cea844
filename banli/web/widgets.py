"""Form widgets shared by the apps' forms."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from banli.orgs.models import Org


class UnitPicker(forms.Widget):
    """A unit picker for hundreds of units (issue #13): an accessible combobox (text input + listbox,
    arrow keys, Enter) that asks `src` (a JSON search URL, see banli.orgs.search) as the user types.

    The page carries only the chosen units (hidden inputs named like the field, one per unit), never
    the whole list. With `multiple`, several units become removable chips. The server validates the
    submitted ids against the field's queryset as before.
    """

    template_name = "web/unit_picker.html"

    def __init__(self, attrs=None, *, multiple: bool = False, src: str = ""):
        super().__init__(attrs)
        self.multiple = multiple
        self.src = src

    def value_from_datadict(self, data, files, name):
        if self.multiple:
            getter = getattr(data, "getlist", None)
            return [v for v in (getter(name) if getter else data.get(name) or []) if v]
        return data.get(name) or None

    def value_omitted_from_data(self, data, files, name):
        return False if self.multiple else name not in data

    def format_value(self, value):
        if value in (None, "", [], ()):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(v.pk if isinstance(v, Org) else v) for v in values]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [v for v in context["widget"]["value"] if v.isdigit()]
        chosen = {str(o.pk): o for o in Org.objects.filter(pk__in=ids)} if ids else {}
        context["widget"].update(
            multiple=self.multiple,
            src=self.src,
            chosen=[chosen[i] for i in ids if i in chosen],
            listbox_id=f"{context['widget']['attrs'].get('id', name)}_list",
        )
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's templates (banli/templates), not the form renderer's built-in widget directory.
        return mark_safe(render_to_string(template_name, context))

    def id_for_label(self, id_):
        return f"{id_}_q" if id_ else id_

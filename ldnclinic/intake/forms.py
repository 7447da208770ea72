"""A Django form built from a questionnaire definition. It only collects raw answers:
the definition module decides what is valid, required or hidden."""

from django import forms

from ldnclinic.intake.definition import choice_labels, items, visible_items


def _field(item):
    kind = item["type"]
    common = {"label": item["label"], "required": False, "help_text": item.get("help", "")}
    if kind in ("choice", "yes_no"):
        choices = list(choice_labels(item).items())
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "multi_choice":
        choices = list(choice_labels(item).items())
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == "number":
        attrs = {"inputmode": "decimal", "step": "1" if item.get("integer") else "any"}
        if item.get("unit"):
            common["label"] = f"{item['label']} ({item['unit']})"
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "medication_list":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)


def _initial(item, value):
    if item["type"] == "medication_list" and isinstance(value, list):
        return "\n".join(value)
    return value


class IntakeForm(forms.Form):
    """Fields for every item; `sections()` gives the ones to show for the answers at hand
    (server-side show_if: a follow-up appears once its question is answered and saved)."""

    def __init__(self, definition, answers=None, data=None):
        answers = answers or {}
        super().__init__(data=data)
        self.definition = definition
        for item in items(definition):
            self.fields[item["id"]] = _field(item)
            self.fields[item["id"]].initial = _initial(item, answers.get(item["id"]))
        self.answers = answers

    def raw_answers(self):
        """The submitted values as the definition module takes them."""
        raw = {}
        for item in items(self.definition):
            name = item["id"]
            if item["type"] == "multi_choice":
                raw[name] = self.data.getlist(name)
            else:
                raw[name] = self.data.get(name, "")
        return raw

    def sections(self, shown_answers):
        """[(section, [(item, bound field)])] for the items shown given `shown_answers`."""
        visible = visible_items(self.definition, shown_answers)
        result = []
        for section in self.definition["sections"]:
            rows = [(item, self[item["id"]]) for item in section["items"] if visible[item["id"]]]
            if rows:
                result.append((section, rows))
        return result

from django.core.exceptions import ValidationError


def add_action_errors(form, error: ValidationError):
    """Attach an action's ValidationError to the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)

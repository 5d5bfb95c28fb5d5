"""django-filter FilterSets with their form classes built once per process.

django-filter builds a FilterSet's form class on every instantiation: a form field per filter, then a new
class. For the incident list's dozen filters that was ~1 ms of every queue page and API list request,
though the fields depend only on the class's declarations. The form *instance* (and its copies of the
fields) is still made per request, as Django's forms do."""

import django_filters

MAX_FORM_CLASSES = 128  # per FilterSet class: one per set of filters in use (core.api.filters narrows it)


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose filters' form fields do not depend on the request (querysets and choices fixed
    in the declaration): its form class is built once for each set of filters an instance holds (all
    of them, or those an API request names) and kept on the class."""

    def get_form_class(self):
        cls = type(self)
        built = cls.__dict__.get("_built_form_classes")  # this class's own, not a parent's
        if built is None or len(built) >= MAX_FORM_CLASSES:
            built = cls._built_form_classes = {}
        key = tuple(self.filters)
        if key not in built:
            built[key] = super().get_form_class()
        return built[key]

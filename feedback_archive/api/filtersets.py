"""The API's feedback filters: the feedback app's FilterSet plus the two filters the admin's desk
offers that read a higher layer (classification's suggestions): `suggested=true` makes the label
filters also match items whose label is only suggested so far (含建议), through the same selector
the admin's label filters call."""
from feedback_archive.classification.selectors import with_label_or_suggestion
from feedback_archive.feedback.filtersets import FeedbackFilterSet, StrictBooleanFilter


class ApiFeedbackFilterSet(FeedbackFilterSet):
    suggested = StrictBooleanFilter(method="filter_suggested",
                                    help_text="true: the label filters also match suggested labels (含建议)")
    proposed = StrictBooleanFilter(method="filter_proposed", help_text="true: items with an open problem proposal")

    class Meta(FeedbackFilterSet.Meta):
        pass

    def filter_label(self, qs, name, value):
        if self.form.cleaned_data.get("suggested"):
            return with_label_or_suggestion(qs, name, self.filters[name].values(value))
        return super().filter_label(qs, name, value)

    def filter_suggested(self, qs, name, value):
        return qs  # read by filter_label

    def filter_proposed(self, qs, name, value):
        return qs.with_open_proposal() if value else qs.exclude(pk__in=qs.with_open_proposal().values("pk"))

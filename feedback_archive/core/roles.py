"""The four roles, as Django groups with explicit permissions. Created by a data migration and
re-synced by `manage.py bootstrap` (so permissions of models added later join their roles)."""

from django.apps import apps as global_apps

AGENT, LEAD, ADMINISTRATOR, VIEWER = "分诊员", "团队负责人", "管理员", "只读"

OUR_APPS = ("core", "taxonomy", "versions", "feedback", "intake", "workflow", "classification", "reports", "api")

VIEW_ALL = "view:*"  # every view_* permission of our apps

ROLES: dict[str, list[str]] = {
    VIEWER: [VIEW_ALL],
    AGENT: [
        VIEW_ALL,
        "feedback.add_feedback", "feedback.change_feedback", "feedback.view_reporter_contact",
        "workflow.add_reply",
        "classification.add_quizattempt",
        # post-incident reviews are written by whoever verifies a critical fix (workflow/incidents.py)
        "workflow.add_incidentreview", "workflow.change_incidentreview",
        "workflow.add_followupaction", "workflow.change_followupaction",
    ],
    LEAD: [
        VIEW_ALL,
        "feedback.add_feedback", "feedback.change_feedback", "feedback.view_reporter_contact",
        "workflow.add_reply",
        "core.change_team",
        "workflow.add_routingrule", "workflow.change_routingrule", "workflow.delete_routingrule",
        "workflow.add_slapolicy", "workflow.change_slapolicy", "workflow.delete_slapolicy",
        "workflow.add_holiday", "workflow.change_holiday", "workflow.delete_holiday",
        "workflow.change_replytemplate", "workflow.change_delivery", "workflow.change_deadletter",
        "workflow.add_channeldelivery", "workflow.change_channeldelivery", "workflow.delete_channeldelivery",
        "workflow.add_roadmapitem", "workflow.change_roadmapitem", "workflow.delete_roadmapitem",
        "reports.add_reportsnapshot",
        "classification.review_quizattempts",
        "workflow.add_incidentreview", "workflow.change_incidentreview",
        "workflow.add_followupaction", "workflow.change_followupaction", "workflow.delete_followupaction",
        "intake.add_importjob", "intake.change_importjob",
        "classification.add_quizattempt",
    ],
    ADMINISTRATOR: [
        "*",  # every permission of our apps
        "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group", "auth.change_group",
    ],
}


def roles_sync(apps=None) -> None:
    """Create the groups and give each exactly its permissions (missing ones are skipped)."""
    if apps is None:
        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label__in=OUR_APPS)
    for name, wanted in ROLES.items():
        ids = set()
        for item in wanted:
            if item == "*":
                ids |= set(ours.values_list("id", flat=True))
            elif item == VIEW_ALL:
                # the models' view permissions; seeing reporters' contacts is a separate grant
                ids |= set(ours.filter(codename__startswith="view_").exclude(codename="view_reporter_contact")
                           .values_list("id", flat=True))
            else:
                app_label, codename = item.split(".", 1)
                ids |= set(Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                           .values_list("id", flat=True))
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(ids)

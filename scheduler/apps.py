from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"


class ClinicAdminConfig(AdminConfig):
    default_site = "scheduler.admin_site.ClinicAdminSite"

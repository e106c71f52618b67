from rest_framework.routers import SimpleRouter

from records.views import MedicalRecordViewSet, RecordAccessLogViewSet

router = SimpleRouter()
router.register("records/audit", RecordAccessLogViewSet, basename="record-audit")
router.register("records", MedicalRecordViewSet, basename="record")

urlpatterns = router.urls

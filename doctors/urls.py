from rest_framework.routers import SimpleRouter

from doctors import views

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("specializations", views.SpecializationViewSet, basename="specialization")
router.register("doctors", views.DoctorViewSet, basename="doctor")
router.register("slots", views.SlotViewSet, basename="slot")

urlpatterns = router.urls

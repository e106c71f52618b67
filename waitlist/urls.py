from rest_framework.routers import SimpleRouter

from waitlist.views import WaitlistViewSet

router = SimpleRouter()
router.register("waitlist", WaitlistViewSet, basename="waitlist")

urlpatterns = router.urls

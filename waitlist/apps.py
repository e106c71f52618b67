from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"

    def ready(self) -> None:
        from appointments.signals import appointment_confirmed, slot_freed
        from doctors.signals import slots_published
        from scheduler import periodic
        from waitlist import handlers, services

        slot_freed.connect(handlers.offer_freed_slot, dispatch_uid="waitlist.offer_freed_slot")
        slots_published.connect(handlers.offer_published_slots, dispatch_uid="waitlist.offer_published_slots")
        appointment_confirmed.connect(handlers.settle_confirmed_offer, dispatch_uid="waitlist.settle_confirmed_offer")
        periodic.register("expire_waitlist_entries", services.expire_entries)

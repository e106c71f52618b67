// API.md's examples as a frontend would write them with openapi-fetch and the types openapi-typescript
// generates from /api/schema/ (schema.d.ts, written next to this file by the test). Only type-checked:
// `tsc --strict --noEmit` (scheduler/tests/test_client_generators.py).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Conflict = components["schemas"]["Conflict"];
type ValidationError = components["schemas"]["ValidationError"];

// Every 409 code is known to the compiler: a code missing here, or a `code` typed as any string, fails.
export function explainConflict(conflict: Conflict): string {
  switch (conflict.code) {
    case "slot_unavailable":
      return "Someone else just took this slot.";
    case "slot_overlap":
      return `Overlaps ${conflict.conflicts?.length ?? 0} existing slots.`;
    case "patient_conflict":
      return "You already have an appointment then.";
    case "invalid_transition":
      return "Not possible in this appointment's status.";
    case "hold_expired":
      return "The hold ran out.";
    case "policy_violation":
      return conflict.detail;
    case "record_exists":
      return "This visit already has a record.";
    case "idempotency_key_in_progress":
      return "Still working on the first request.";
    case "already_waiting":
      return "Already on the waitlist.";
    default: {
      const unknown: never = conflict.code;
      return unknown;
    }
  }
}

export function fieldMessages(error: ValidationError, field: string): string[] {
  return error[field] ?? [];
}

export async function journey(baseUrl: string): Promise<string> {
  const anonymous = createClient<paths>({ baseUrl });

  // Registration without insurance details.
  const registered = await anonymous.POST("/api/auth/register/", {
    body: {
      email: "ada@example.org",
      password: "a-long-passphrase",
      first_name: "Ada",
      last_name: "Lovelace",
      phone: "+14155550123",
      date_of_birth: "1990-12-10",
    },
  });
  if (registered.response.status === 400 && registered.error) {
    return fieldMessages(registered.error as ValidationError, "email").join(" ");
  }

  const signedIn = await anonymous.POST("/api/auth/token/", {
    body: { email: "ada@example.org", password: "a-long-passphrase" },
  });
  if (!signedIn.data) {
    return signedIn.error.detail ?? "Could not sign in.";
  }
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${signedIn.data.access}` },
  });

  // Search: free slots of one doctor from a given time.
  const search = await client.GET("/api/slots/", {
    params: { query: { doctor: 3, status: "free", start_after: "2027-03-01T09:00:00+00:00" } },
  });
  const slot = search.data?.results[0];
  if (!slot) {
    return "No free slot.";
  }

  // Book with `{slot}` alone.
  const booked = await client.POST("/api/appointments/", { body: { slot: slot.id } });
  if (booked.response.status === 409 && booked.error) {
    return explainConflict(booked.error as Conflict);
  }
  if (!booked.data) {
    return "Could not book.";
  }

  // Hold another slot while the patient pays, then confirm it (one Idempotency-Key for the checkout).
  const next = search.data?.results[1];
  if (next) {
    const headers = { "Idempotency-Key": `checkout-${next.id}` };
    const held = await client.POST("/api/appointments/hold/", {
      params: { header: headers },
      body: { slot: next.id, reason: "Check-up" },
    });
    if (held.data) {
      const until: string | null = held.data.hold_expires_at;
      const confirmed = await client.POST("/api/appointments/{id}/confirm/", {
        params: { path: { id: held.data.id }, header: headers },
      });
      if (confirmed.response.status === 409 && confirmed.error) {
        return `${explainConflict(confirmed.error as Conflict)} (held until ${until ?? "?"})`;
      }
    }
  }

  // Cancel with `{}`; the path id is a number.
  const cancelled = await client.POST("/api/appointments/{id}/cancel/", {
    params: { path: { id: booked.data.id } },
    body: {},
  });
  return cancelled.data?.status ?? "not cancelled";
}

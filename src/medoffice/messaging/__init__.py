"""Messages to and from patients: appointment reminders, booking notices with calendar
invitations, text replies, and the log of all of it.

How a message goes out: the worker (`medoffice worker`) runs `send_due_reminders` every
minute and the notices that scheduling's `appointment_changed` signal queues
(listeners.py, tasks.py); services.py picks the channel the patient consented to
(rules.py), writes the `Message` row and sends through Django's e-mail backend
(mail.py, with the invitation from formats/ical) or the SMS gateway (sms.py).

Extension point, replies: every outbound text records a `purpose` ("reminder",
"booked", ...), whether it `expects_reply`, until when (`reply_until`) and what it is
about (`appointment`, or `object_type` + `object_id` for another feature's record).
A text from a patient goes to the newest open question to that number, and the
handler registered for that question's purpose acts on it:

    # in the waitlist app's AppConfig.ready()
    from medoffice.messaging.replies import register_reply_handler
    register_reply_handler("waitlist_offer", offer_reply)  # (ReplyContext) -> ReplyOutcome

The handler receives the parsed intent (YES / NO / OTHER), the text and the question
it answers (with every other open question to the number), acts through its own
services (which audit), and returns the inbound message's status, a note for staff
and an optional answer to text back. STOP and START are handled here for every
purpose; a number asked about two patients at once is left to staff.
"""

from django.db import models


class Event(models.IntegerChoices):
    """Numbered audit events: 1xx patient, 2xx appointment, 3xx intake, 4xx treatment,
    5xx outcomes, 8xx clinic configuration, 9xx security. Numbers are never reused."""

    PATIENT_VIEWED = 100, "Patient record viewed"
    PATIENT_CREATED = 101, "Patient created"
    PATIENT_UPDATED = 102, "Patient updated"
    PATIENT_DEACTIVATED = 103, "Patient deactivated"
    PATIENT_REACTIVATED = 104, "Patient reactivated"
    PATIENT_LIST_VIEWED = 105, "Patient list viewed"
    PATIENT_HISTORY_VIEWED = 106, "Patient record history viewed"
    PATIENT_PORTAL_INVITED = 107, "Patient invited to the portal"

    APPOINTMENT_BOOKED = 200, "Appointment booked"
    APPOINTMENT_RESCHEDULED = 201, "Appointment rescheduled"
    APPOINTMENT_CANCELLED = 202, "Appointment cancelled"
    APPOINTMENT_STATUS_CHANGED = 203, "Appointment status changed"
    APPOINTMENT_LIST_VIEWED = 205, "Appointments listed"

    CLINIC_UPDATED = 800, "Clinic settings changed"
    CLINIC_CREATED = 803, "Clinic created"
    LOCATION_CREATED = 801, "Location added"
    LOCATION_UPDATED = 802, "Location changed"
    STAFF_ADDED = 810, "Staff member added"
    STAFF_CHANGED = 811, "Staff role changed"
    STAFF_DEACTIVATED = 812, "Staff member deactivated"
    STAFF_REACTIVATED = 813, "Staff member reactivated"

    LOGIN_SUCCEEDED = 900, "Login succeeded"
    LOGIN_FAILED = 901, "Login failed"
    LOGIN_LOCKED_OUT = 902, "Login locked out"
    LOGOUT = 903, "Logout"
    SESSION_EXPIRED = 904, "Session ended after inactivity"
    PASSWORD_CHANGED = 910, "Password changed"
    PASSWORD_RESET_REQUESTED = 911, "Password reset requested"
    PASSWORD_RESET_COMPLETED = 912, "Password reset completed"
    TWO_FACTOR_ENABLED = 920, "Two-factor login enabled"
    TWO_FACTOR_DISABLED = 921, "Two-factor login disabled"
    TWO_FACTOR_FAILED = 922, "Two-factor code rejected"
    TWO_FACTOR_VERIFIED = 923, "Two-factor code accepted"
    TOKEN_CREATED = 930, "API token created"
    TOKEN_REVOKED = 931, "API token revoked"
    USER_DEACTIVATED = 940, "User deactivated"
    AUDIT_VIEWED = 950, "Audit trail viewed"
    AUDIT_EXPORTED = 951, "Audit trail exported"
    AUDIT_EXPORT_DENIED = 952, "Audit export password rejected"

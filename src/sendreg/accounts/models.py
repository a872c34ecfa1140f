from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sendreg.accounts.permissions import (
    OrganisationPermission,
    OrganisationRole,
    Permission,
    Role,
    organisation_role_can,
    role_can,
)

URN_MESSAGE = "A URN is the school's 6-digit unique reference number, such as 100001."
LAESTAB_MESSAGE = (
    "A LAESTAB is 7 digits: the 3-digit local authority number and the 4-digit "
    "establishment number, such as 8012000."
)

#: The school's contact details and the local advice, printed on letters to parents.
SCHOOL_CONTACT_FIELDS = [
    "address", "phone", "email", "sendiass_name", "sendiass_phone", "sendiass_website",
    "local_offer_url",
]  # fmt: skip


class AccountAudit(models.TextChoices):
    """Audit event types of people's accounts: written to each school the person works in."""

    TWO_FACTOR_SET_UP = "account.two_factor_set_up", "Two-factor authentication set up"
    TWO_FACTOR_REMOVED = "account.two_factor_removed", "Two-factor authentication removed"
    RECOVERY_CODES_MADE = "account.recovery_codes_made", "New recovery codes made"
    PASSWORD_CHANGED = "account.password_changed", "Password changed"
    PASSWORD_RESET = "account.password_reset", "Password reset by email"
    LOGGED_OUT_EVERYWHERE = "account.logged_out_everywhere", "Logged out everywhere"


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "NS", "Nursery"
        PRIMARY = "PS", "Primary"
        MIDDLE = "MS", "Middle"
        SECONDARY = "SS", "Secondary"
        ALL_THROUGH = "AT", "All-through"
        SPECIAL = "SP", "Special"
        PUPIL_REFERRAL = "PR", "Pupil referral unit"

    urn = models.CharField(
        "URN", max_length=6, unique=True, validators=[RegexValidator(r"^\d{6}$", URN_MESSAGE)]
    )
    laestab = models.CharField(
        "LAESTAB", max_length=7, validators=[RegexValidator(r"^\d{7}$", LAESTAB_MESSAGE)]
    )
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=2, choices=Phase.choices, default=Phase.SECONDARY)

    # How parents reach the school, and where they get impartial advice: printed on every
    # letter to parents. Kept as data because each school and each area has its own.
    address = models.TextField("school address", blank=True)
    phone = models.CharField("school telephone", max_length=40, blank=True)
    email = models.EmailField("school email", blank=True)
    sendiass_name = models.CharField("local SENDIASS name", max_length=200, blank=True)
    sendiass_phone = models.CharField("SENDIASS telephone", max_length=40, blank=True)
    sendiass_website = models.URLField("SENDIASS website", blank=True)
    local_offer_url = models.URLField("local offer web address", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def la_code(self) -> str:
        return self.laestab[:3]

    @property
    def estab(self) -> str:
        return self.laestab[3:]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in by email. What they may do comes from their memberships."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    #: Raised by "log out everywhere": every session made before it stops working.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this hash against the one stored in each session on every request,
        # so changing the generation ends every session, on every machine, at once. At
        # generation 0 the hash is Django's own, so sessions made before it existed hold.
        value = self.password
        if self.session_generation:
            value = f"{value}:{self.session_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class Membership(models.Model):
    """A user's role in one school."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.school.name}"

    def can(self, permission: Permission) -> bool:
        return role_can(self.role, permission)


LA_CODE_MESSAGE = "A local authority's code is its 3-digit number, such as 801."


class Organisation(models.Model):
    """A multi-academy trust or a local authority: a group of schools seen together.

    Its people (``OrganisationMembership``) see the schools' figures, never a pupil's
    name, unless they are also members of a school.
    """

    class Kind(models.TextChoices):
        TRUST = "trust", "Multi-academy trust"
        LA = "la", "Local authority"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    #: A local authority's 3-digit number (the first three digits of its schools' LAESTABs).
    la_code = models.CharField(
        "LA code",
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^\d{3}$", LA_CODE_MESSAGE)],
    )
    schools = models.ManyToManyField(
        School, through="OrganisationSchool", related_name="organisations", blank=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # A local authority is known by its code; a trust has none.
            models.CheckConstraint(
                condition=(models.Q(kind="la") & ~models.Q(la_code=""))
                | (models.Q(kind="trust") & models.Q(la_code="")),
                name="organisation_la_code_iff_la",
            ),
            models.UniqueConstraint(
                fields=["la_code"], condition=models.Q(kind="la"), name="one_organisation_per_la"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.LA:
            return f"{self.name} (LA {self.la_code})"
        return self.name


class OrganisationSchool(models.Model):
    """A school in an organisation. A school may be in a trust and in its LA's view both."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="school_links"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="organisation_links")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "school"], name="one_link_per_organisation_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} in {self.organisation.name}"


class OrganisationMembership(models.Model):
    """A person's role in a trust or local authority: the figures of all its schools."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="organisation_memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=OrganisationRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=OrganisationRole.values),
                name="organisation_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.organisation.name}"

    def can(self, permission: OrganisationPermission) -> bool:
        return organisation_role_can(self.role, permission)


class LoginFailure(models.Model):
    """One failed attempt to log in: a wrong password, a wrong code, or one refused while paused.

    Counted to pause logging in (``accounts.rules.login_lockout``) and kept for the
    retention period of failed logins, so that an attack can be looked back on. The
    email is as typed (lower-cased), whether or not an account has it.
    """

    class Reason(models.TextChoices):
        PASSWORD = "password", "Wrong email address or password"
        CODE = "code", "Wrong two-factor code"
        LOCKED = "locked", "Refused: logging in was paused"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    email = models.CharField(max_length=254)
    address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["email", "-at"]),
            models.Index(fields=["address", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.email} from {self.address} at {self.at}"

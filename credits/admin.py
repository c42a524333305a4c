"""Staff see every account and entry; they change a balance only through an adjustment,
which the ledger records with who, why and when."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import CreditAccount, LedgerEntry


class AdjustmentForm(forms.ModelForm):
    adjustment = forms.IntegerField(required=False, help_text="Credits to add (or, negative, to take away).")
    reason = forms.CharField(required=False, max_length=300, help_text="Why: recorded in the ledger with your name.")

    class Meta:
        model = CreditAccount
        fields = ()

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean() returns cleaned_data
        if cleaned.get("adjustment") and not cleaned.get("reason"):
            self.add_error("reason", "Say why, for the ledger.")
        return cleaned


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    form = AdjustmentForm
    list_display = ("user", "balance")
    search_fields = ("user__username", "user__email")
    readonly_fields = ("user", "balance", "history")
    fields = ("user", "balance", "history", "adjustment", "reason")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # accounts open themselves with the starting grant

    def save_model(self, request, obj, form, change):
        amount = form.cleaned_data.get("adjustment")
        if not amount:
            return
        try:
            services.adjust(obj.user, amount, by=request.user, note=form.cleaned_data["reason"])
        except services.InsufficientCredits as exc:
            self.message_user(
                request, f"Not adjusted: the balance would go below zero ({exc.balance} credits).", messages.ERROR
            )

    @admin.display(description="History")
    def history(self, obj):
        url = reverse("admin:credits_ledgerentry_changelist") + f"?user__id__exact={obj.user_id}"
        return format_html('<a href="{}">Ledger entries of {}</a>', url, obj.user)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "amount", "job", "note", "created_by")
    list_filter = ("kind",)
    search_fields = ("user__username", "note")
    list_select_related = ("user", "job", "created_by")
    raw_id_fields = ("job",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from .models import Product, Release


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "product", "platform", "released_at", "install_base", "is_known"]
    list_filter = ["product", "platform", "is_known"]
    search_fields = ["version"]
    ordering = ["product", "-version_key", "platform"]
    list_select_related = ["product"]

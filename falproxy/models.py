import uuid

from django.conf import settings
from django.db import models


class ProxyUpload(models.Model):
    """A file the JS client uploads through the proxy (`fal.storage.upload`).

    The client asks for an upload URL and the file's final URL before it sends any bytes, so
    both name this row; the bytes land in the user's asset cache (jobs.services.assets) and a
    submit through the proxy turns the file URL back into the asset's URL in fal storage.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proxy_uploads")
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    asset = models.ForeignKey("jobs.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.file_name} ({'received' if self.asset_id else 'waiting'})"

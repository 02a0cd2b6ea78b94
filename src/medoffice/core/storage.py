"""The object-storage choice for uploaded files (documents, dictations, packets): the
STORAGES entry settings.py uses when MEDOFFICE_DOCUMENT_STORAGE=s3. No Django imports, so
the settings module can use it."""


def s3_storage(*, bucket: str, endpoint_url: str | None = None, region: str | None = None):
    """django-storages' S3 backend: private objects, never overwritten (a new name each
    time), never served from the bucket (the audited views read and stream them)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

#!/usr/bin/env python3
"""Azure Blob Storage as Microsoft's own Python SDK (azure-storage-blob) sees it: the
independent peer of sentinel-state's azblob backend in its tests against Azurite.

Each subcommand prints one JSON document on stdout. Exit 77 when the SDK is not installed
(the test skips, or fails when SENTINEL_REQUIRE_VALIDATORS is set). The account key comes
from AZURE_STORAGE_KEY, the blob service URL from SENTINEL_AZBLOB_ENDPOINT.

  create-container NAME          create a container ({"created": true})
  sas CONTAINER SECONDS          a container SAS (read, add, create, write, delete, list)
                                 that expires SECONDS from now (negative: already expired)
  list CONTAINER PREFIX          the names of the blobs under PREFIX ({"names": [...]})
  blob CONTAINER NAME            a blob as the SDK reads it: its text, its blob type, its
                                 lease state and metadata ({"exists": false} if it has none)
"""

import datetime
import json
import os
import sys

MISSING = 77

try:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import (BlobServiceClient, ContainerSasPermissions,
                                    generate_container_sas)
except ImportError:
    print("the azure-storage-blob SDK is not installed (pip install azure-storage-blob)",
          file=sys.stderr)
    sys.exit(MISSING)

ACCOUNT = "devstoreaccount1"
# Azurite speaks API versions up to its own release; the SDK's newest may be later.
API_VERSION = "2021-12-02"


def service():
    return BlobServiceClient(
        account_url=os.environ["SENTINEL_AZBLOB_ENDPOINT"],
        credential={"account_name": ACCOUNT, "account_key": os.environ["AZURE_STORAGE_KEY"]},
        api_version=API_VERSION,
    )


def main(argv):
    command = argv[0]
    if command == "create-container":
        service().create_container(argv[1])
        return {"created": True}
    if command == "sas":
        now = datetime.datetime.now(datetime.timezone.utc)
        seconds = int(argv[2])
        token = generate_container_sas(
            account_name=ACCOUNT,
            container_name=argv[1],
            account_key=os.environ["AZURE_STORAGE_KEY"],
            permission=ContainerSasPermissions(read=True, add=True, create=True, write=True,
                                               delete=True, list=True),
            start=now - datetime.timedelta(hours=1) if seconds > 0 else now - datetime.timedelta(hours=2),
            expiry=now + datetime.timedelta(seconds=seconds),
        )
        return {"sas": token}
    if command == "list":
        container = service().get_container_client(argv[1])
        return {"names": [b.name for b in container.list_blobs(name_starts_with=argv[2])]}
    if command == "blob":
        client = service().get_blob_client(argv[1], argv[2])
        try:
            properties = client.get_blob_properties()
        except ResourceNotFoundError:
            return {"exists": False}
        text = client.download_blob().readall().decode("utf-8")
        return {
            "exists": True,
            "text": text,
            "blobType": str(properties.blob_type.value if hasattr(properties.blob_type, "value") else properties.blob_type),
            "leaseState": str(properties.lease.state),
            "metadata": dict(properties.metadata or {}),
        }
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))

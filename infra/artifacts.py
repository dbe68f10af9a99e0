"""The packaged code in the artifacts bucket, each object named by its content hash.

tools/package.py builds the archives reproducibly; each is a `TerraformAsset`
(copied into the stack's assets folder) uploaded as an object whose name holds
the SHA-256 of its bytes. Changed code -> new object name -> the function is
redeployed and the batch runs the new archive; unchanged code -> empty plan.
"""

from __future__ import annotations

from cdktn import AssetType, TerraformAsset
from cdktn_provider_google.storage_bucket import StorageBucket
from cdktn_provider_google.storage_bucket_object import StorageBucketObject
from constructs import Construct

from tools.package import Artifact, Manifest

CONTENT_TYPES = {".zip": "application/zip", ".py": "text/x-python"}


class CodeArtifacts(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        manifest: Manifest,
        bucket: StorageBucket,
        bucket_name: str,
    ):
        super().__init__(scope, id_)
        self.bucket_name = bucket_name
        self.jobs = self._upload("jobs-archive", manifest.jobs, bucket)
        self.deps = self._upload("batch-deps", manifest.deps, bucket)
        self.entrypoint = self._upload("entrypoint", manifest.entrypoint, bucket)
        self.function_source = self._upload("function-source", manifest.function, bucket)
        self.manifest = manifest

    def _upload(self, id_: str, artifact: Artifact, bucket: StorageBucket) -> StorageBucketObject:
        asset = TerraformAsset(self, f"{id_}-asset", path=artifact.path, type=AssetType.FILE)
        suffix = "." + artifact.object_name.rsplit(".", 1)[-1]
        return StorageBucketObject(
            self,
            id_,
            bucket=bucket.name,
            name=artifact.object_name,
            source=asset.path,
            content_type=CONTENT_TYPES[suffix],
        )

    def uri(self, artifact: Artifact) -> str:
        return f"gs://{self.bucket_name}/{artifact.object_name}"

    @property
    def jobs_uri(self) -> str:
        return self.uri(self.manifest.jobs)

    @property
    def deps_uri(self) -> str:
        return self.uri(self.manifest.deps)

    @property
    def entrypoint_uri(self) -> str:
        return self.uri(self.manifest.entrypoint)

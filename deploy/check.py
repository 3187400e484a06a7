"""Checks rendered Kubernetes manifests (YAML on stdin) for what a schema cannot: no secret
value is written in any manifest, and each Deployment's termination leaves the server its whole
shutdown grace (terminationGracePeriodSeconds > preStop sleep + SHUTDOWN_GRACE_SECONDS)."""

import re
import sys

import yaml

# Settings that hold secrets (server::config wraps each in SecretString): only by secretKeyRef.
SECRET = re.compile(r"^(DATABASE_URL|DATABASE_OWNER_URL|SMTP_URL|OIDC_CLIENT_SECRET|STRIPE_SECRET_KEY|STRIPE_WEBHOOK_SECRET)$")


def problems(objects):
    config = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    for o in objects:
        name = f'{o["kind"]}/{o["metadata"]["name"]}'
        if o["kind"] == "Secret":
            yield f"{name}: a Secret's values do not belong in the manifests"
        if o["kind"] == "ConfigMap":
            for key in filter(SECRET.match, o.get("data", {})):
                yield f"{name}: {key} is a secret; give it by secretKeyRef"
        spec = o.get("spec", {}).get("template", {}).get("spec")
        if spec is None:
            continue
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            for env in container.get("env", []):
                if SECRET.match(env["name"]) and "secretKeyRef" not in env.get("valueFrom", {}):
                    yield f'{name}: {env["name"]} is a secret; give it by secretKeyRef'
        if o["kind"] != "Deployment":
            continue
        for container in spec["containers"]:
            settings = {}
            for source in container.get("envFrom", []):
                settings.update(config.get(source.get("configMapRef", {}).get("name"), {}))
            settings.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
            if "SHUTDOWN_GRACE_SECONDS" not in settings:
                yield f"{name}: set SHUTDOWN_GRACE_SECONDS, to relate it to terminationGracePeriodSeconds"
                continue
            grace = int(settings["SHUTDOWN_GRACE_SECONDS"])
            sleep = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
            period = spec.get("terminationGracePeriodSeconds", 30)
            if period <= sleep + grace:
                yield (f"{name}: terminationGracePeriodSeconds ({period}) must exceed the preStop sleep ({sleep}) "
                       f"plus SHUTDOWN_GRACE_SECONDS ({grace}), or the kill cuts requests off first")


def main():
    objects = [o for o in yaml.safe_load_all(sys.stdin) if o]
    found = list(problems(objects))
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(objects)} objects checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

"""Checks rendered Kubernetes manifests (YAML on stdin) for what a schema cannot:

- no secret value in any manifest: no Secret object, no secret setting in a ConfigMap or as a
  plain `value`, no URL with a password anywhere in a ConfigMap or an environment value;
- every container has resources (CPU and memory requests, a memory limit) and runs restricted
  (non-root, read-only root filesystem, no privilege escalation, every capability dropped, the
  runtime's seccomp profile);
- every long-running container (Deployments, StatefulSets) has liveness and readiness probes;
- Hydra's admin port is reachable only inside the namespace: no Service of another type than
  ClusterIP exposes it, and no Ingress routes to it;
- each Deployment's termination leaves the server its whole shutdown grace
  (terminationGracePeriodSeconds > preStop sleep + SHUTDOWN_GRACE_SECONDS).

`python3 check.py < rendered.yaml` prints each problem and exits 1 when there is one."""

import re
import sys

import yaml

# Settings that hold secrets (server::config wraps each in SecretString, Hydra's DSN and
# secrets, the databases' passwords): only by secretKeyRef.
SECRET = re.compile(
    r"^(DATABASE_URL|DATABASE_OWNER_URL|SMTP_URL|OIDC_CLIENT_SECRET|STRIPE_SECRET_KEY|STRIPE_WEBHOOK_SECRET"
    r"|STAFF_PASSWORD|DSN|SECRETS_SYSTEM|SECRETS_COOKIE|POSTGRES_PASSWORD|PGPASSWORD)$"
)
# `scheme://user:password@host`: a credential written into a URL.
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
HYDRA_ADMIN_PORT = 4445
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
LONG_RUNNING = {"Deployment", "StatefulSet", "DaemonSet"}


def pod_spec(o):
    spec = o.get("spec", {})
    if o["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec")


def secret_problems(name, o):
    if o["kind"] == "Secret":
        yield f"{name}: a Secret's values do not belong in the manifests"
    if o["kind"] == "ConfigMap":
        for key, value in (o.get("data") or {}).items():
            if SECRET.match(key):
                yield f"{name}: {key} is a secret; give it by secretKeyRef"
            if URL_WITH_PASSWORD.search(str(value)):
                yield f"{name}: {key} holds a URL with a password"


def container_problems(name, o, spec, container):
    where = f'{name} container {container["name"]}'
    for env in container.get("env", []):
        if SECRET.match(env["name"]) and "secretKeyRef" not in env.get("valueFrom", {}):
            yield f'{where}: {env["name"]} is a secret; give it by secretKeyRef'
        if URL_WITH_PASSWORD.search(str(env.get("value", ""))):
            yield f'{where}: {env["name"]} holds a URL with a password'
    resources = container.get("resources", {})
    for kind in ("cpu", "memory"):
        if kind not in resources.get("requests", {}):
            yield f"{where}: no {kind} request"
    if "memory" not in resources.get("limits", {}):
        yield f"{where}: no memory limit"
    pod, own = spec.get("securityContext", {}), container.get("securityContext", {})
    if not own.get("runAsNonRoot", pod.get("runAsNonRoot")):
        yield f"{where}: may run as root (runAsNonRoot)"
    if own.get("runAsUser", pod.get("runAsUser")) == 0:
        yield f"{where}: runs as root (runAsUser 0)"
    if own.get("allowPrivilegeEscalation") is not False:
        yield f"{where}: allowPrivilegeEscalation is not false"
    if own.get("readOnlyRootFilesystem") is not True:
        yield f"{where}: the root filesystem is writable"
    if own.get("privileged"):
        yield f"{where}: privileged"
    if "ALL" not in own.get("capabilities", {}).get("drop", []) or own.get("capabilities", {}).get("add"):
        yield f"{where}: capabilities are not all dropped"
    seccomp = own.get("seccompProfile", pod.get("seccompProfile", {})).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        yield f"{where}: no seccomp profile (RuntimeDefault)"
    if o["kind"] in LONG_RUNNING:
        for probe in ("livenessProbe", "readinessProbe"):
            if probe not in container:
                yield f"{where}: no {probe}"


def shutdown_problems(name, spec, config):
    for container in spec["containers"]:
        settings = {}
        for source in container.get("envFrom", []):
            settings.update(config.get(source.get("configMapRef", {}).get("name"), {}))
        settings.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
        if "SHUTDOWN_GRACE_SECONDS" not in settings:
            if container.get("image", "").startswith("storefront"):
                yield f"{name}: set SHUTDOWN_GRACE_SECONDS, to relate it to terminationGracePeriodSeconds"
            continue
        grace = int(settings["SHUTDOWN_GRACE_SECONDS"])
        sleep = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        period = spec.get("terminationGracePeriodSeconds", 30)
        if period <= sleep + grace:
            yield (f"{name}: terminationGracePeriodSeconds ({period}) must exceed the preStop sleep ({sleep}) "
                   f"plus SHUTDOWN_GRACE_SECONDS ({grace}), or the kill cuts requests off first")


def hydra_admin_problems(name, o, admin_services):
    if o["kind"] == "Service" and o["metadata"]["name"] in admin_services:
        kind = o.get("spec", {}).get("type", "ClusterIP")
        if kind != "ClusterIP":
            yield f"{name}: exposes Hydra's admin port outside the cluster (type {kind})"
        if o.get("spec", {}).get("externalIPs"):
            yield f"{name}: exposes Hydra's admin port on external addresses"
    if o["kind"] == "Ingress":
        for rule in o.get("spec", {}).get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                service = path.get("backend", {}).get("service", {}).get("name")
                if service in admin_services:
                    yield f"{name}: routes {path.get('path', '/')} to Hydra's admin port ({service})"


def serves_hydra_admin(o):
    ports = o.get("spec", {}).get("ports", [])
    return o["kind"] == "Service" and any(
        p.get("port") == HYDRA_ADMIN_PORT or p.get("targetPort") in (HYDRA_ADMIN_PORT, "admin") for p in ports
    ) and o.get("spec", {}).get("selector", {}).get("app.kubernetes.io/name") == "hydra"


def problems(objects):
    config = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    admin_services = {o["metadata"]["name"] for o in objects if serves_hydra_admin(o)}
    for o in objects:
        name = f'{o["kind"]}/{o["metadata"]["name"]}'
        yield from secret_problems(name, o)
        yield from hydra_admin_problems(name, o, admin_services)
        if o["kind"] not in WORKLOADS:
            continue
        spec = pod_spec(o)
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            yield from container_problems(name, o, spec, container)
        if o["kind"] == "Deployment":
            yield from shutdown_problems(name, spec, config)


def main():
    objects = [o for o in yaml.safe_load_all(sys.stdin) if o]
    found = list(problems(objects))
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(objects)} objects checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

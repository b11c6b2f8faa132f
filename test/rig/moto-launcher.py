"""Starts moto's server for the test rig with EKS clusters whose DescribeCluster answers point at local
kube-apiservers. moto gives each cluster a random endpoint and CA; the rig needs real ones, so this
launcher creates the clusters in moto's EKS model and sets both. Reads a JSON file:
{"port": N, "clusters": [{"name", "region", "accountId", "endpoint", "caData"}]}; prints "ready" once it
serves, and serves until it is terminated."""
import json
import signal
import sys
import threading

from moto.eks.models import eks_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=config["port"], verbose=False)
    server.start()
    for cluster in config["clusters"]:
        backend = eks_backends[cluster["accountId"]][cluster["region"]]
        created = backend.create_cluster(
            name=cluster["name"],
            role_arn=f"arn:aws:iam::{cluster['accountId']}:role/eks-cluster",
            resources_vpc_config={},
        )
        created.endpoint = cluster["endpoint"]
        created.certificate_authority = {"data": cluster["caData"]}
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()

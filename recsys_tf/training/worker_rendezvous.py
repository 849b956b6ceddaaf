"""Every worker of ``TF_CONFIG`` answers before the multi-worker strategy starts, or none waits.

``tf.distribute.MultiWorkerMirroredStrategy()`` blocks in C++ until every worker of the cluster
has connected, with no timeout, holding the GIL and with TensorFlow's own SIGTERM handler
installed: a worker whose peer never starts waits forever and cannot be stopped but by
SIGKILL. :func:`wait_for_workers` first meets the peers on their own ports in Python, with a
deadline, and names the ones that did not answer; the ports are released before TensorFlow
binds them.

Protocol: each worker listens on its address and connects to every other worker, sending its
own address. A worker is done when it has reached every peer *and* every peer has reached it
(so no peer still needs its listener). Then it closes the listener.

Example::

    wait_for_workers(json.loads(os.environ["TF_CONFIG"]), timeout_s=300)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
"""

from __future__ import annotations

import selectors
import socket
import time

from recsys_tf.training.errors import WorkerStartupError


def cluster_addresses(tf_config: dict) -> tuple[str, list[str]]:
    """``(this worker's address, the other workers' addresses)`` of a ``TF_CONFIG`` dict."""
    try:
        cluster, task = tf_config["cluster"], tf_config["task"]
        own = cluster[task["type"]][int(task["index"])]
        everyone = [address for job in ("chief", "worker") for address in cluster.get(job, [])]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ValueError(f"TF_CONFIG must name a cluster and this task ({error!r} missing)"
                         ) from None
    return own, [address for address in everyone if address != own]


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def wait_for_workers(tf_config: dict, *, timeout_s: float, poll_s: float = 0.2) -> None:
    """Returns once every worker of ``tf_config`` answered; raises
    :class:`WorkerStartupError` naming the missing ones after ``timeout_s``."""
    own, peers = cluster_addresses(tf_config)
    if not peers:
        return
    try:
        listener = socket.create_server(("0.0.0.0", _split(own)[1]))
    except OSError as error:
        raise WorkerStartupError(f"worker {own}: cannot listen on its port ({error.strerror})"
                                 ) from None
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    reached, heard = set(), set()
    received: dict[socket.socket, bytes] = {}
    deadline = time.monotonic() + timeout_s
    try:
        while not (reached >= set(peers) and heard >= set(peers)):
            if time.monotonic() > deadline:
                missing = sorted(set(peers) - (reached & heard))
                raise WorkerStartupError(
                    f"worker {own}: no answer from {', '.join(missing)} within {timeout_s:g} s "
                    "([train] startup_timeout_s); start every worker of TF_CONFIG's cluster")
            for peer in sorted(set(peers) - reached):
                try:
                    with socket.create_connection(_split(peer), timeout=poll_s) as connection:
                        connection.sendall(own.encode() + b"\n")
                    reached.add(peer)
                except OSError:
                    pass
            for key, _ in selector.select(timeout=poll_s):
                if key.fileobj is listener:
                    try:
                        connection, _ = listener.accept()
                    except BlockingIOError:
                        continue
                    connection.setblocking(False)
                    received[connection] = b""
                    selector.register(connection, selectors.EVENT_READ)
                    continue
                connection = key.fileobj
                chunk = connection.recv(256)
                received[connection] += chunk
                if not chunk or b"\n" in received[connection]:
                    heard.add(received.pop(connection).split(b"\n")[0].decode(errors="replace"))
                    selector.unregister(connection)
                    connection.close()
    finally:
        for connection in received:
            connection.close()
        selector.close()
        listener.close()

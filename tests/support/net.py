import contextlib
import socket
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float, alive=lambda: True) -> None:
    """Polls `url` until it answers 200; `alive()` returning False aborts early."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"process serving {url} exited early")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            last_error = str(error)
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout}s: {last_error}")

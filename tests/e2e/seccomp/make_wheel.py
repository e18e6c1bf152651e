"""Builds a pure-Python wheel of a tiny package into the directory given as
the first argument, with zipfile only (no build backend, no network)."""
import base64
import hashlib
import pathlib
import sys
import zipfile

NAME, VERSION = "hardendemo", "0.1"
FILES = {
    f"{NAME}/__init__.py": "def add(a, b):\n    return a + b\n",
    f"{NAME}-{VERSION}.dist-info/METADATA": (
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
    ),
    f"{NAME}-{VERSION}.dist-info/WHEEL": (
        "Wheel-Version: 1.0\nGenerator: make_wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ),
}


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{path},sha256={digest.decode()},{len(data)}\n"


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"{NAME}-{VERSION}-py3-none-any.whl"
    record_path = f"{NAME}-{VERSION}.dist-info/RECORD"
    record = ""
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in FILES.items():
            data = text.encode()
            z.writestr(path, data)
            record += record_line(path, data)
        z.writestr(record_path, record + f"{record_path},,\n")
    print(wheel)


if __name__ == "__main__":
    main()

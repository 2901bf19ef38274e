# Generates the hex vectors in kat_test.go (TestOpenSSLVectors) with pyca/cryptography,
# whose primitives come from OpenSSL, independently of the Go code. Run: python3 vectors.py
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives import hmac, hashes
import struct
kc = bytes(range(64)); kh = bytes(range(0x40, 0x80))
payload = bytes.fromhex("4500001c00010000400100000a0800010a08000208000000abcd0001")
# 1: AES-256-GCM, V2, key_id 1, peer-id 0x000abc, pid 1, no compression
hdr = struct.pack(">I", ((9<<3)|1)<<24 | 0x000abc); pid = struct.pack(">I", 1)
o = AESGCM(kc[:32]).encrypt(pid + kh[:8], payload, hdr + pid)
print("gcm_v2", (hdr + pid + o[-16:] + o[:-16]).hex())
# 2: CHACHA20-POLY1305, V1, key_id 0, pid 7, comp-lzo framing
hdr = bytes([(6<<3)|0]); pid = struct.pack(">I", 7)
o = ChaCha20Poly1305(kc[:32]).encrypt(pid + kh[:8], b"\xfa" + payload, pid)
print("chacha_v1_lzo", (hdr + pid + o[-16:] + o[:-16]).hex())
# 3: AES-256-CBC + HMAC-SHA1, V1, key_id 2, pid 5, swap framing, fixed IV
hdr = bytes([(6<<3)|2]); pid = struct.pack(">I", 5); iv = bytes(range(0xa0, 0xb0))
framed = b"\xfb" + payload[1:] + payload[:1]
pt = pid + framed; pad = 16 - len(pt) % 16; pt += bytes([pad]) * pad
e = Cipher(algorithms.AES(kc[:32]), modes.CBC(iv)).encryptor(); ct = e.update(pt) + e.finalize()
h = hmac.HMAC(kh[:20], hashes.SHA1()); h.update(iv + ct)
print("cbc_sha1_v1_swap", (hdr + h.finalize() + iv + ct).hex())
# 4: AES-128-CBC + HMAC-SHA512, V2 (header not MACed), key_id 3, peer-id 7, pid 9, stub-v2 escape
hdr = struct.pack(">I", ((9<<3)|3)<<24 | 7); pid = struct.pack(">I", 9); iv = bytes(range(0xb0, 0xc0))
p50 = b"\x50" + payload[1:]
pt = pid + b"\x50\x00" + p50; pad = 16 - len(pt) % 16; pt += bytes([pad]) * pad
e = Cipher(algorithms.AES(kc[:16]), modes.CBC(iv)).encryptor(); ct = e.update(pt) + e.finalize()
h = hmac.HMAC(kh[:64], hashes.SHA512()); h.update(iv + ct)
print("cbc_sha512_v2_stubv2", (hdr + h.finalize() + iv + ct).hex())

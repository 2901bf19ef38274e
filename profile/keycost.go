package profile

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// A protected key names its own key-derivation cost, and the service opens
// it as root: an encrypted PKCS#8 key asking scrypt for terabytes would
// kill the process (an allocation failure cannot be recovered), and one
// asking PBKDF2 or a PKCS#12 MAC for billions of rounds would spin for
// hours. Costs beyond what any tool writes are refused before deriving.
const (
	maxKDFIterations = 10_000_000 // OpenSSL writes 2048, 600000 is a generous modern choice
	maxScryptMemory  = 1 << 30    // bytes: 128·r·N; OpenSSL's own limit is 32 MiB by default
	maxScryptP       = 64
)

var (
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	// oidPKCS12PBE is the arc of pbeWithSHAAnd3-KeyTripleDES-CBC and kin.
	oidPKCS12PBE = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
)

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pkcs8Cost checks the key-derivation cost of an encrypted PKCS#8 key
// (PBES2 DER); other shapes are left to the decoder.
func pkcs8Cost(der []byte) error {
	var info struct {
		Algo algorithmIdentifier
		Data []byte
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil || !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil
	}
	var params struct {
		KDF    algorithmIdentifier
		Cipher algorithmIdentifier
	}
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil
	}
	return kdfCost(params.KDF)
}

// kdfCost checks the cost a key-derivation AlgorithmIdentifier names:
// PBKDF2, scrypt, or PKCS#12's own password-based encryption.
func kdfCost(ai algorithmIdentifier) error {
	switch {
	case ai.Algorithm.Equal(oidPBKDF2):
		var p struct {
			Salt       []byte
			Iterations *big.Int
		}
		if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &p); err == nil && p.Iterations != nil &&
			p.Iterations.Cmp(big.NewInt(maxKDFIterations)) > 0 {
			return fmt.Errorf("the key asks for %v PBKDF2 rounds, more than the %d cvpn allows; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes256`", p.Iterations, maxKDFIterations)
		}
	case ai.Algorithm.Equal(oidScrypt):
		var p struct {
			Salt      []byte
			N, R, P   *big.Int
			KeyLength int `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &p); err != nil || p.N == nil || p.R == nil || p.P == nil {
			return errors.New("the key's scrypt parameters do not parse")
		}
		mem := new(big.Int).Mul(big.NewInt(128), new(big.Int).Mul(p.N, p.R))
		if mem.Cmp(big.NewInt(maxScryptMemory)) > 0 || p.P.Cmp(big.NewInt(maxScryptP)) > 0 || p.N.Sign() <= 0 || p.R.Sign() <= 0 || p.P.Sign() <= 0 {
			return fmt.Errorf("the key's scrypt parameters (N=%v, r=%v, p=%v) ask for more than cvpn allows (%d MiB); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes256`", p.N, p.R, p.P, maxScryptMemory>>20)
		}
	case len(ai.Algorithm) == 8 && ai.Algorithm[:7].Equal(oidPKCS12PBE):
		var p struct {
			Salt       []byte
			Iterations *big.Int
		}
		if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &p); err == nil && p.Iterations != nil &&
			p.Iterations.Cmp(big.NewInt(maxKDFIterations)) > 0 {
			return fmt.Errorf("the pkcs12 bundle asks for %v rounds to decrypt its contents, more than the %d cvpn allows; export it again", p.Iterations, maxKDFIterations)
		}
	}
	return nil
}

// pkcs12Cost checks a PKCS#12 bundle's MAC iteration count, the rounds
// spent before the password is known to be right.
func pkcs12Cost(der []byte) error {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations *big.Int `asn1:"optional"`
		} `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil // the decoder says what is wrong
	}
	if it := pfx.MacData.Iterations; it != nil && it.Cmp(big.NewInt(maxKDFIterations)) > 0 {
		return fmt.Errorf("the pkcs12 bundle asks for %v MAC rounds, more than the %d cvpn allows; export it again", it, maxKDFIterations)
	}
	budget := 10000 // elements looked at: a bundle holds a few dozen
	return walkKDFs(pfx.AuthSafe.FullBytes, 0, &budget)
}

// walkKDFs looks through DER, and DER wrapped in OCTET STRINGs as PKCS#12
// nests it, for key-derivation AlgorithmIdentifiers and checks their cost
// (the bundle's encrypted contents and shrouded key bags). Ciphertext that
// does not parse as DER is skipped.
func walkKDFs(der []byte, depth int, budget *int) error {
	if depth > 16 {
		return nil
	}
	for len(der) > 0 && *budget > 0 {
		*budget--
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil
		}
		der = rest
		if v.Class == asn1.ClassUniversal && v.Tag == asn1.TagSequence {
			var ai algorithmIdentifier
			if _, err := asn1.Unmarshal(v.FullBytes, &ai); err == nil {
				if err := kdfCost(ai); err != nil {
					return err
				}
			}
		}
		if v.IsCompound || v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString {
			if err := walkKDFs(v.Bytes, depth+1, budget); err != nil {
				return err
			}
		}
	}
	return nil
}

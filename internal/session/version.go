package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MinAPIVersion is the oldest Partner API version Salesforce still serves:
// 21.0–30.0 were retired in Summer '25.
const MinAPIVersion = 31

// MaxSOAPLoginVersion is the newest API version that still has SOAP
// login(): it is gone from 65.0 on and retired for all versions in
// Summer '27.
const MaxSOAPLoginVersion = 64

// maxVersionsBody caps the /services/data/ answer (a real one is ~6 KB).
const maxVersionsBody = 1 << 20

// ParseAPIVersion normalises a pinned API version ("58", "58.0", "v58.0")
// to "58.0" and refuses versions below 31.0 and malformed values.
func ParseAPIVersion(s string) (string, error) {
	major, err := versionMajor(s)
	if err != nil {
		return "", err
	}
	if major < MinAPIVersion {
		return "", fmt.Errorf("SF_API_VERSION %q is below %d.0: Salesforce retired API versions 21.0–30.0 in Summer '25", s, MinAPIVersion)
	}
	return strconv.Itoa(major) + ".0", nil
}

func versionMajor(s string) (int, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	t = strings.TrimSuffix(t, ".0")
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > 999 {
		return 0, fmt.Errorf("API version %q is not of the form 58.0", s)
	}
	return n, nil
}

// loginVersion is the version at which SOAP login() is called: the data
// version, but never above 64.0.
func loginVersion(dataVersion string) string {
	n, err := versionMajor(dataVersion)
	if err != nil || n > MaxSOAPLoginVersion {
		n = MaxSOAPLoginVersion
	}
	return strconv.Itoa(n) + ".0"
}

// discoverVersion asks GET {base}/services/data/ for the versions the org
// serves and returns the newest one that is at least 31.0.
func discoverVersion(ctx context.Context, hc *http.Client, base string) (string, error) {
	u := strings.TrimRight(base, "/") + "/services/data/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("discover API version: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("discover API version: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxVersionsBody+1))
	if err != nil {
		return "", fmt.Errorf("discover API version: %w", err)
	}
	if len(body) > maxVersionsBody {
		return "", errors.New("discover API version: answer too large")
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("discover API version: GET /services/data/ answered %d", resp.StatusCode)
	}
	var list []struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "", fmt.Errorf("discover API version: %w", err)
	}
	best := 0
	for _, v := range list {
		// Versions are "NN.0"; anything else (a future "NN.5") is skipped
		// rather than guessed at.
		n, err := versionMajor(v.Version)
		if err == nil && n > best && strings.TrimSuffix(strings.TrimPrefix(v.Version, "v"), ".0") == strconv.Itoa(n) {
			best = n
		}
	}
	if best < MinAPIVersion {
		return "", fmt.Errorf("discover API version: the org lists no version at or above %d.0", MinAPIVersion)
	}
	return strconv.Itoa(best) + ".0", nil
}

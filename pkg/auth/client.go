package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ClientCredentialsConfig is how a service obtains a token to call another
// service in its own name: the sign-in's token endpoint (the console's
// /api/auth/token, or an external provider's), the service's client id and
// secret, and the audience (the service it calls).
type ClientCredentialsConfig struct {
	TokenURL string
	ClientID string
	Secret   string
	Audience string
	// Client makes the requests (a 10s-timeout client when nil).
	Client *http.Client
}

// ClientCredentials gets tokens by the OAuth client credentials grant and
// reuses each until a minute before it expires. It is safe for concurrent
// use.
type ClientCredentials struct {
	cfg     ClientCredentialsConfig
	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// NewClientCredentials returns a token source of cfg.
func NewClientCredentials(cfg ClientCredentialsConfig) *ClientCredentials {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &ClientCredentials{cfg: cfg}
}

// Token returns a valid access token, asking for a new one when needed.
func (c *ClientCredentials) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.renewAt) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {c.cfg.Audience}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.cfg.ClientID, c.cfg.Secret)
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("auth: token request: %w", err)
	}
	defer resp.Body.Close()
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &ans) != nil || ans.AccessToken == "" {
		return "", fmt.Errorf("auth: token request: status %d: %.200s", resp.StatusCode, raw)
	}
	c.token = ans.AccessToken
	c.renewAt = time.Now().Add(time.Duration(ans.ExpiresIn)*time.Second - time.Minute)
	return c.token, nil
}

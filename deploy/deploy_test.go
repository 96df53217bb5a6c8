package deploy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSystemdUnit reads sanlian.service as systemd would (sections, keys,
// continuation lines) and checks what it promises: sanlian serving from its
// state directory with its files beside the database, a user of its own,
// and the hardening options.
func TestSystemdUnit(t *testing.T) {
	u, err := parseUnit("sanlian.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][2]string{
		{"Unit", "Description"}, {"Service", "ExecStart"}, {"Service", "StateDirectory"}, {"Install", "WantedBy"},
	} {
		if len(u[want[0]][want[1]]) == 0 {
			t.Errorf("[%s] %s missing", want[0], want[1])
		}
	}
	svc := u["Service"]
	if one(svc, "DynamicUser") != "yes" && one(svc, "User") != "sanlian" {
		t.Error("neither DynamicUser=yes nor User=sanlian")
	}
	if one(svc, "StateDirectory") != "sanlian" || one(svc, "WorkingDirectory") != "/var/lib/sanlian" {
		t.Errorf("state directory %q, working directory %q", one(svc, "StateDirectory"), one(svc, "WorkingDirectory"))
	}
	exec := strings.Fields(one(svc, "ExecStart"))
	if len(exec) < 2 || !strings.HasPrefix(exec[0], "/") || exec[1] != "serve" {
		t.Errorf("ExecStart %q: want an absolute path and serve", exec)
	}
	for flag, want := range map[string]string{"--db": "/var/lib/sanlian/sanlian.db", "--blobs": "file:///var/lib/sanlian/files"} {
		if i := slices.Index(exec, flag); i < 0 || i+1 >= len(exec) || exec[i+1] != want {
			t.Errorf("ExecStart: want %s %s in %q", flag, want, exec)
		}
	}
	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes", "ProtectKernelTunables": "yes",
		"ProtectKernelModules": "yes", "ProtectControlGroups": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native", "RestrictNamespaces": "yes",
	} {
		if v, ok := svc[key]; !ok || v[len(v)-1] != want {
			t.Errorf("hardening: %s=%q, want %q", key, v, want)
		}
	}
	if one(u["Install"], "WantedBy") != "multi-user.target" {
		t.Errorf("WantedBy %q", one(u["Install"], "WantedBy"))
	}

	// The reader itself refuses what systemd would warn about.
	for _, bad := range []string{"[Service]\nExecStart\n", "ExecStart=/x\n", "[Servce]\nX=1\n", "[Service]\nBogusKey=1\n", "[Unit\n"} {
		if _, err := parseUnitText(bad); err == nil {
			t.Errorf("unit %q accepted", bad)
		}
	}
}

// unitKeys are the keys the unit may use, per section: a misspelt key is
// a key systemd ignores with a warning, so the test refuses it.
var unitKeys = map[string][]string{
	"Unit":    {"Description", "Documentation", "After", "Wants", "Requires", "Before"},
	"Install": {"WantedBy"},
	"Service": {"Type", "DynamicUser", "User", "Group", "StateDirectory", "StateDirectoryMode", "WorkingDirectory",
		"LoadCredential", "Environment", "EnvironmentFile", "ExecStart", "Restart", "RestartSec", "KillSignal",
		"TimeoutStopSec", "UMask", "LimitNOFILE", "NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities",
		"ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateUsers", "ProtectKernelTunables",
		"ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname",
		"ProtectProc", "ProcSubset", "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime",
		"RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute", "RemoveIPC", "SystemCallArchitectures",
		"SystemCallFilter", "ReadWritePaths", "DevicePolicy", "PrivateMounts"},
}

// unit is a parsed unit file: section → key → values in order.
type unit map[string]map[string][]string

func one(s map[string][]string, key string) string {
	if v := s[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

func parseUnit(path string) (unit, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseUnitText(string(b))
}

func parseUnitText(text string) (unit, error) {
	u := unit{}
	section := ""
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: %q: unclosed section", i+1, line)
			}
			section = line[1 : len(line)-1]
			if _, ok := unitKeys[section]; !ok {
				return nil, fmt.Errorf("line %d: unknown section [%s]", i+1, section)
			}
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("line %d: %q: not key=value", i+1, line)
		}
		if section == "" {
			return nil, fmt.Errorf("line %d: %s outside a section", i+1, key)
		}
		if !slices.Contains(unitKeys[section], key) {
			return nil, fmt.Errorf("line %d: unknown key %s in [%s]", i+1, key, section)
		}
		u[section][key] = append(u[section][key], strings.TrimSpace(value))
	}
	return u, nil
}

// TestDockerfile reads the Dockerfile's instructions and checks the image:
// FROM first, two stages, a static binary built without cgo, a final image
// with CA certificates and tzdata, a user that is not root, and a health
// check or the probes' URLs documented.
func TestDockerfile(t *testing.T) {
	ins, comments, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) == 0 || ins[0].Cmd != "FROM" {
		t.Fatalf("first instruction %v, want FROM", ins)
	}
	var froms []int
	for i, in := range ins {
		if in.Cmd == "FROM" {
			froms = append(froms, i)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%d stages, want a build stage and a final one", len(froms))
	}
	build, final := ins[:froms[len(froms)-1]], ins[froms[len(froms)-1]:]
	static := false
	for _, in := range build {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "CGO_ENABLED=0") && strings.Contains(in.Args, "go build") {
			static = true
		}
	}
	if !static {
		t.Error("no RUN CGO_ENABLED=0 go build in the build stage")
	}
	base := strings.Fields(final[0].Args)[0]
	switch {
	case strings.HasPrefix(base, "gcr.io/distroless/static"):
		// carries ca-certificates and tzdata
	case base == "scratch":
		var copied string
		for _, in := range final {
			if in.Cmd == "COPY" {
				copied += in.Args + "\n"
			}
		}
		if !strings.Contains(copied, "zoneinfo") || !strings.Contains(copied, "ca-certificates") {
			t.Error("scratch image without zoneinfo or CA certificates copied in")
		}
	default:
		t.Errorf("final image %s: want distroless/static or scratch", base)
	}
	user := ""
	for _, in := range final {
		if in.Cmd == "USER" {
			user = in.Args
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER %q: want a user that is not root", user)
	}
	health := slices.ContainsFunc(final, func(in instruction) bool { return in.Cmd == "HEALTHCHECK" })
	if !health && !strings.Contains(comments, "/healthz") {
		t.Error("no HEALTHCHECK and no word of /healthz")
	}
	for _, in := range final {
		if in.Cmd == "ENTRYPOINT" || in.Cmd == "CMD" {
			var argv []string
			if err := json.Unmarshal([]byte(in.Args), &argv); err != nil || len(argv) == 0 {
				t.Errorf("%s %s: want the exec form (a JSON array), so that the signal reaches sanlian", in.Cmd, in.Args)
			}
		}
	}

	if _, _, err := parseDockerfileText("FROM x\nRUNN y\n"); err == nil {
		t.Error("unknown instruction accepted")
	}
}

// dockerInstructions are the Dockerfile instructions Docker knows.
var dockerInstructions = []string{"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
	"VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}

type instruction struct{ Cmd, Args string }

func parseDockerfile(path string) ([]instruction, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return parseDockerfileText(string(b))
}

// parseDockerfileText splits a Dockerfile into instructions (joining
// continuation lines) and its comments.
func parseDockerfileText(text string) ([]instruction, string, error) {
	var ins []instruction
	var comments strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	n, cur := 0, ""
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			comments.WriteString(line + "\n")
			continue
		}
		if line == "" && cur == "" {
			continue
		}
		cur += " " + strings.TrimSuffix(line, `\`)
		if strings.HasSuffix(line, `\`) {
			continue
		}
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur), " ")
		cur = ""
		if !slices.Contains(dockerInstructions, strings.ToUpper(cmd)) {
			return nil, "", fmt.Errorf("line %d: unknown instruction %s", n, cmd)
		}
		ins = append(ins, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
	}
	return ins, comments.String(), nil
}

// TestCompose reads docker-compose.yml and checks the services: PostgreSQL
// 15, MinIO as a separate image, and sanlian built from the Dockerfile,
// on PostgreSQL with its files in S3, waiting for the database and the
// bucket.
func TestCompose(t *testing.T) {
	b, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseYAML(string(b))
	if err != nil {
		t.Fatal(err)
	}
	services := asMap(t, doc, "services")
	image := func(name string) string { return str(asMap(t, services, name)["image"]) }
	if !strings.HasPrefix(image("db"), "postgres:15") {
		t.Errorf("db image %q, want postgres:15", image("db"))
	}
	if !strings.HasPrefix(image("minio"), "minio/minio") {
		t.Errorf("minio image %q", image("minio"))
	}
	app := asMap(t, services, "sanlian")
	bld := asMap(t, app, "build")
	if str(bld["dockerfile"]) != "deploy/Dockerfile" || str(bld["context"]) != ".." {
		t.Errorf("sanlian build %v", bld)
	}
	cmd := strList(t, app["command"])
	if len(cmd) == 0 || cmd[0] != "serve" {
		t.Errorf("command %q: want serve", cmd)
	}
	if i := slices.Index(cmd, "--blobs"); i < 0 || i+1 >= len(cmd) || !strings.HasPrefix(cmd[i+1], "s3://") {
		t.Errorf("command %q: want --blobs s3://…", cmd)
	}
	env := asMap(t, app, "environment")
	if !strings.HasPrefix(str(env["SANLIAN_DB"]), "postgres://") || !strings.Contains(str(env["SANLIAN_DB"]), "@db:5432/") {
		t.Errorf("SANLIAN_DB %q: want the db service", env["SANLIAN_DB"])
	}
	deps := asMap(t, app, "depends_on")
	if str(asMap(t, deps, "db")["condition"]) != "service_healthy" {
		t.Errorf("sanlian does not wait for a healthy database: %v", deps)
	}
	if _, ok := deps["minio-init"]; !ok {
		t.Errorf("sanlian does not wait for the bucket: %v", deps)
	}
	// No secret is written into the file: every password comes from .env.
	for _, s := range []any{asMap(t, services, "db")["environment"], asMap(t, services, "minio")["environment"], env} {
		for k, v := range s.(map[string]any) {
			if strings.Contains(k, "PASSWORD") || strings.Contains(k, "SECRET") {
				if !strings.HasPrefix(str(v), "${") {
					t.Errorf("%s is written in the file: %q", k, v)
				}
			}
		}
	}
	if !strings.Contains(str(env["SANLIAN_DB"]), "${POSTGRES_PASSWORD") {
		t.Errorf("SANLIAN_DB does not take the password from .env: %q", env["SANLIAN_DB"])
	}

	for _, bad := range []string{"a:\n\tb: 1\n", "a: 1\na: 2\n", "a: |\n  x\n", "a:\n  - b: 1\n", "a: [1, \n", "- x\n  y: 1\n"} {
		if _, err := parseYAML(bad); err == nil {
			t.Errorf("yaml %q accepted", bad)
		}
	}
}

func asMap(t *testing.T, v any, key string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a mapping", v)
	}
	sub, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s: %v is not a mapping", key, m[key])
	}
	return sub
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strList(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	var out []string
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

// parseYAML reads the block-style subset of YAML the compose file uses:
// mappings, sequences of scalars, flow sequences in JSON form, {} and
// plain or quoted scalars. Anything else (tabs, anchors, block scalars,
// duplicate keys, mappings inside sequences) is an error, so that the file
// stays within what this test can vouch for.
func parseYAML(text string) (any, error) {
	var lines []yamlLine
	for i, raw := range strings.Split(text, "\n") {
		if strings.Contains(raw, "\t") {
			return nil, fmt.Errorf("line %d: tab", i+1)
		}
		body := stripComment(raw)
		if strings.TrimSpace(body) == "" {
			continue
		}
		indent := len(body) - len(strings.TrimLeft(body, " "))
		lines = append(lines, yamlLine{i + 1, indent, strings.TrimSpace(body)})
	}
	p := &yamlParser{lines: lines}
	if len(lines) == 0 {
		return nil, nil
	}
	v, err := p.block(lines[0].indent)
	if err != nil {
		return nil, err
	}
	if p.i < len(lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", lines[p.i].n)
	}
	return v, nil
}

type yamlLine struct {
	n, indent int
	text      string
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

var yamlKey = regexp.MustCompile(`^([A-Za-z0-9_.-]+):(?: (.*))?$`)

func (p *yamlParser) block(indent int) (any, error) {
	first := p.lines[p.i]
	if strings.HasPrefix(first.text, "- ") || first.text == "-" {
		var seq []any
		for p.i < len(p.lines) && p.lines[p.i].indent == indent {
			l := p.lines[p.i]
			if !strings.HasPrefix(l.text, "- ") {
				return nil, fmt.Errorf("line %d: a mapping key among sequence items", l.n)
			}
			item := strings.TrimSpace(l.text[2:])
			if yamlKey.MatchString(item) {
				return nil, fmt.Errorf("line %d: a mapping inside a sequence", l.n)
			}
			v, err := scalar(item, l.n)
			if err != nil {
				return nil, err
			}
			seq = append(seq, v)
			p.i++
		}
		return seq, nil
	}
	m := map[string]any{}
	for p.i < len(p.lines) && p.lines[p.i].indent == indent {
		l := p.lines[p.i]
		sub := yamlKey.FindStringSubmatch(l.text)
		if sub == nil {
			return nil, fmt.Errorf("line %d: %q is not key: value", l.n, l.text)
		}
		key, rest := sub[1], strings.TrimSpace(sub[2])
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %s", l.n, key)
		}
		p.i++
		if rest != "" {
			v, err := scalar(rest, l.n)
			if err != nil {
				return nil, err
			}
			m[key] = v
			continue
		}
		if p.i < len(p.lines) && p.lines[p.i].indent > indent {
			v, err := p.block(p.lines[p.i].indent)
			if err != nil {
				return nil, err
			}
			m[key] = v
		} else {
			m[key] = nil
		}
	}
	if p.i < len(p.lines) && p.lines[p.i].indent > indent {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].n)
	}
	return m, nil
}

// scalar reads a value written on a key's or an item's line.
func scalar(s string, n int) (any, error) {
	switch {
	case s == "{}":
		return map[string]any{}, nil
	case strings.HasPrefix(s, "["):
		var l []any
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			return nil, fmt.Errorf("line %d: flow sequence: %v", n, err)
		}
		return l, nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("line %d: quoted string: %v", n, err)
		}
		return v, nil
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("line %d: unclosed quote", n)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	case strings.ContainsAny(s[:1], "|>&*!{%@`"):
		return nil, fmt.Errorf("line %d: %q: not in the subset this test reads", n, s)
	}
	return s, nil
}

// stripComment drops a comment: a # at the start or after a space, outside
// quotes.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' '):
			return strings.TrimRight(line[:i], " ")
		}
	}
	return line
}

// Package deploy holds the files that install sanlian: a systemd unit
// (sanlian.service), a Dockerfile and a compose file with PostgreSQL 15
// and MinIO. It has no code; its test checks that the three files are well
// formed and keep their promises (a non-root user, a hardened unit, the
// flags sanlian needs).
package deploy

// Package zeek reads Zeek ASCII (TSV) and JSON logs and writes Zeek TSV logs
// with extra columns. Readers stream line by line (plain or gzip, detected by
// magic bytes), hand out borrowed bytes valid until the next call, allocate
// nothing per record, and skip malformed lines with a count and line number
// instead of failing. See docs/LOGS.md.
package zeek

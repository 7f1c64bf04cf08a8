/**
 * Policy files: {@link dev.agentlimiter.core.config.PolicyFiles} reads a YAML or JSON policy file into a
 * {@link dev.agentlimiter.core.config.PolicyFile} (the {@link dev.agentlimiter.api.PolicySet} and the
 * file's identity, audit, metrics and reload sections) and writes a {@code PolicySet} back as canonical
 * text; {@link dev.agentlimiter.core.config.PolicyFileWatcher} applies each valid new version of a file to
 * a limiter while it runs and keeps the last good configuration when an edit is bad. Parsing is strict:
 * every problem of a file is reported at once, as a {@link dev.agentlimiter.core.config.PolicyFileProblem}
 * naming the file, line, column and JSON pointer, in one {@link
 * dev.agentlimiter.core.config.PolicyFileException}. The format is described in {@code
 * docs/policy-files.md} and published as a JSON Schema, {@code policy-file.schema.json}, beside this
 * package in the jar; reload in {@code docs/reload.md}. Everything else here is package-private.
 */
@NullMarked
package dev.agentlimiter.core.config;

import org.jspecify.annotations.NullMarked;

#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for
# development, tests and CI. The jars come from Maven Central through
# infra/kafka/pom.xml; no Docker, no downloaded tarball.
#
# Usage: scripts/kafka.sh up|down|reset|status|logs|run CLASS [ARGS...]
#
#   up      fetch the jars if missing, write server.properties, format storage
#           once, start the broker in the background and return only when it
#           answers metadata requests (0), or fail with the log tail (non-zero).
#           Already running: returns 0 at once.
#   down    SIGTERM, wait up to KAFKA_STOP_TIMEOUT (30 s), then SIGKILL.
#           Not running: success.
#   reset   down, then wipe the data dir (topics, offsets, logs); jars stay.
#   status  prints "running ..." (exit 0) or "stopped" (exit 1).
#   logs    prints the tail of the server log (LINES=N, default 100).
#   run     runs a Kafka Java tool on the broker's classpath, e.g.
#             scripts/kafka.sh run org.apache.kafka.tools.TopicCommand \
#               --bootstrap-server 127.0.0.1:9092 --list
#
# Environment:
#   KAFKA_PORT             client port (PLAINTEXT listener), default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller port, default KAFKA_PORT+1
#   KAFKA_DATA_DIR         state dir, default <repo>/.data/kafka (holds data/,
#                          server.properties, server.log, kafka.pid)
#   KAFKA_HEAP_OPTS        broker heap, default "-Xmx512m -Xms256m"
#   KAFKA_JVM_OPTS         extra JVM options for the broker
#   KAFKA_START_TIMEOUT    seconds `up` waits for the broker, default 90
#   KAFKA_STOP_TIMEOUT     seconds `down` waits before SIGKILL, default 30
#   KAFKA_LOG_LEVEL        broker root log level, default INFO
#   KAFKA_MVN_ARGS         extra arguments for mvn (e.g. -Dmaven.repo.local=...)
#   JAVA_HOME              Java 17+ to use (else `java` on PATH)
#
# A second broker for tests: KAFKA_PORT=19092 KAFKA_DATA_DIR=/tmp/k2 scripts/kafka.sh up

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
INFRA="$ROOT/infra/kafka"
POM="$INFRA/pom.xml"
LIBS="$INFRA/target/libs"
STAMP="$LIBS/.complete"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
DATA="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
LOG_DIRS="$DATA/data"
PROPS="$DATA/server.properties"
SERVER_LOG="$DATA/server.log"
PIDFILE="$DATA/kafka.pid"
LOCKFILE="$DATA/.lock"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- java / jars

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found (Kafka 4 needs Java 17+); install a JDK or set JAVA_HOME"
  fi
}

check_java() {
  local v major
  v="$("$(java_bin)" -version 2>&1 | head -n1)"
  major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$v")"
  read -r major minor <<<"$major"
  [[ "$major" == 1 ]] && major="${minor:-0}"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot tell the Java version from: $v"
  (( major >= 17 )) || die "Kafka 4 needs Java 17+, found: $v (set JAVA_HOME)"
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_ok() { [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(pom_hash)" ]]; }

# Fetch the broker's runtime jars into infra/kafka/target/libs once; skipped
# when they are there for the current pom.xml.
ensure_libs() {
  libs_ok && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven is needed to fetch the Kafka jars"
  mkdir -p "$INFRA/target"
  (
    flock 8
    libs_ok && exit 0
    log "fetching Kafka jars from Maven Central (infra/kafka/pom.xml) ..."
    rm -rf "$LIBS"
    # (Debian's Maven 3.8 prints bare ANSI resets even with -q -B: strip them)
    # shellcheck disable=SC2086
    if ! mvn -q -B -Dstyle.color=never ${KAFKA_MVN_ARGS:-} -f "$POM" generate-resources 2>&1 \
        | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
      rm -rf "$LIBS"
      die "mvn could not fetch the Kafka jars (see the output above)"
    fi
    ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || die "mvn ran but $LIBS has no kafka_2.13 jar"
    pom_hash >"$STAMP"
  ) 8>"$INFRA/target/.fetch.lock"
}

# JVM command line for a Kafka tool on the broker classpath (small heap, fast
# start, logging at WARN on stderr). Sets the array TOOL_JAVA.
tool_java() {
  TOOL_JAVA=("$(java_bin)" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto
    -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$INFRA/tools-log4j2.xml"
    -cp "$LIBS/*")
}

run_class() {
  tool_java
  "${TOOL_JAVA[@]}" "$@"
}

# ---------------------------------------------------------------- process state

# pid of our broker (the one using $PROPS), or nothing.
broker_pid() {
  local pid=""
  if [[ -f "$PIDFILE" ]]; then
    pid="$(tr -dc '0-9' <"$PIDFILE")"
    if [[ -n "$pid" ]] && is_our_broker "$pid"; then echo "$pid"; return 0; fi
  fi
  # Pid file lost or stale: look for a JVM running kafka.Kafka on exactly our
  # properties file (never anything else).
  local d
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  done 2>/dev/null
  return 0
}

is_our_broker() {
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *" kafka.Kafka $PROPS " ]]
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The broker answers a metadata request (TopicCommand --list), within 30 s.
answers_metadata() {
  tool_java
  timeout 30 "${TOOL_JAVA[@]}" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1
}

show_log_tail() {
  if [[ -f "$SERVER_LOG" ]]; then
    printf -- '---- last lines of %s ----\n' "$SERVER_LOG" >&2
    tail -n "${1:-40}" "$SERVER_LOG" >&2
    printf -- '---- end of log ----\n' >&2
  fi
}

with_lock() {
  mkdir -p "$DATA"
  exec 9>"$LOCKFILE"
  flock 9
}

# ---------------------------------------------------------------- commands

write_props() {
  mkdir -p "$LOG_DIRS"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@LOG_DIRS@|$LOG_DIRS|g" \
      "$INFRA/server.properties.template" >"$PROPS.tmp"
  mv -f "$PROPS.tmp" "$PROPS"
}

format_storage() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  local id out
  id="$(run_class kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
  id="$(tr -d '[:space:]' <<<"$id")"
  log "formatting storage in $LOG_DIRS (cluster id $id)"
  if ! out="$(run_class kafka.tools.StorageTool format -t "$id" -c "$PROPS" --ignore-formatted 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "StorageTool format failed"
  fi
}

cmd_up() {
  with_lock
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      echo "$pid" >"$PIDFILE"
      log "already running (pid $pid, $BOOTSTRAP)"
      return 0
    fi
    # Process alive, but not listening: a broken or still-starting broker
    # left from before. Wait for it like a fresh start.
    log "broker pid $pid is up but $BOOTSTRAP is not open yet; waiting"
    wait_ready "$pid" "$(date +%s)"
    return 0
  fi
  rm -f "$PIDFILE"

  check_java
  ensure_libs

  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    die "port $BOOTSTRAP is already in use by another process (not this broker); set KAFKA_PORT"
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_HOST:$KAFKA_CONTROLLER_PORT is already in use; set KAFKA_CONTROLLER_PORT"
  fi

  write_props
  format_storage

  [[ -f "$SERVER_LOG" ]] && mv -f "$SERVER_LOG" "$SERVER_LOG.prev"
  local t0; t0="$(date +%s)"
  local java; java="$(java_bin)"
  # shellcheck disable=SC2086,SC2016
  setsid -f nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" \
    "$java" -server $HEAP_OPTS \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:ActiveProcessorCount=2 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA/log4j2.xml" \
    -Dkafka.root.log.level="${KAFKA_LOG_LEVEL:-INFO}" \
    -Dkafka.logs.dir="$DATA" \
    ${KAFKA_JVM_OPTS:-} \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$SERVER_LOG" 2>&1 9>&-   # 9>&-: the broker must not hold our lock

  # the child writes its own pid (it execs the JVM, so the pid is the JVM's)
  local _
  for _ in $(seq 1 50); do
    [[ -s "$PIDFILE" ]] && break
    sleep 0.1
  done
  pid="$(tr -dc '0-9' <"$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || { show_log_tail; die "broker did not start (no pid)"; }
  log "started broker pid $pid on $BOOTSTRAP (log: $SERVER_LOG); waiting up to ${START_TIMEOUT}s"
  wait_ready "$pid" "$t0"
}

# Wait until the port accepts connections AND the broker answers a metadata
# request (TopicCommand --list), within START_TIMEOUT seconds of $2.
wait_ready() {
  local pid="$1" t0="$2" deadline
  deadline=$((t0 + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      show_log_tail 60
      die "broker process $pid exited during start-up"
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT" && answers_metadata; then
      log "ready: $BOOTSTRAP answers metadata (after $(( $(date +%s) - t0 ))s)"
      return 0
    fi
    if (( $(date +%s) >= deadline )); then
      show_log_tail 60
      die "broker pid $pid did not answer on $BOOTSTRAP within ${START_TIMEOUT}s (still running; 'scripts/kafka.sh down' stops it)"
    fi
    sleep 0.5
  done
}

cmd_down() {
  with_lock
  local pid
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping broker pid $pid (SIGTERM, up to ${STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      log "still running after ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    die "could not stop broker pid $pid"
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_reset() {
  cmd_down
  # refuse to wipe anything that does not look like our state dir
  [[ -n "$DATA" && "$DATA" != "/" && "$DATA" != "$ROOT" && "$DATA" != "$HOME" ]] \
    || die "refusing to wipe KAFKA_DATA_DIR=$DATA"
  log "wiping $DATA (jars in $LIBS are kept)"
  find "$DATA" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
}

cmd_status() {
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      echo "running (pid $pid, $BOOTSTRAP, data $DATA)"
    else
      echo "running (pid $pid, $BOOTSTRAP not accepting connections yet, data $DATA)"
    fi
    return 0
  fi
  echo "stopped"
  return 1
}

cmd_logs() {
  [[ -f "$SERVER_LOG" ]] || die "no server log at $SERVER_LOG"
  tail -n "${LINES:-100}" "$SERVER_LOG"
}

cmd_run() {
  [[ $# -ge 1 ]] || die "usage: scripts/kafka.sh run CLASS [ARGS...]"
  check_java
  ensure_libs
  run_class "$@"
}

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up|start) cmd_up ;;
    down|stop) cmd_down ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    logs) cmd_logs ;;
    run) cmd_run "$@" ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"

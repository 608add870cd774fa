#!/usr/bin/env bash
# A one-node Slurm cluster in a directory, for the sharded-sweep test:
#   cluster.sh start DIR   munged, slurmctld and slurmd, on ports 16817-8,
#                          with their state, logs and config under DIR;
#                          prints the config's path once the node is idle
#   cluster.sh stop DIR    stops them
# Needs root, Debian's slurm-wlm and munge (.ci/run installs them).
set -euo pipefail
cmd=$1
D=$(realpath "$2")

stop() {
    for pid in "$D/d.pid" "$D/ctld.pid" "$D/munge/pid"; do
        [ -f "$pid" ] && kill "$(cat "$pid")" 2> /dev/null || true
    done
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi

mkdir -p "$D/munge" "$D/spool/ctld" "$D/spool/d" "$D/log"
chmod 755 "$D"
# munge: a random key, readable by munge alone; the socket's directory
# must be traversable by everyone.
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$D/munge"
chmod 711 "$D/munge"
chmod 400 "$D/munge/munge.key"
runuser -u munge -- munged --key-file="$D/munge/munge.key" --socket="$D/munge/sock" \
    --pid-file="$D/munge/pid" --log-file="$D/munge/log" --seed-file="$D/munge/seed"

host=$(hostname)
cat > "$D/slurm.conf" << CONF
ClusterName=mirrorsim-test
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$D/munge/sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$D/spool/ctld
SlurmdSpoolDir=$D/spool/d
SlurmctldPidFile=$D/ctld.pid
SlurmdPidFile=$D/d.pid
SlurmctldLogFile=$D/log/ctld.log
SlurmdLogFile=$D/log/d.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
    if [ "$(sinfo -h -o %T 2> /dev/null || true)" = idle ]; then
        echo "$SLURM_CONF"
        exit 0
    fi
    sleep 0.5
done
echo "the Slurm node did not come up; logs in $D/log" >&2
stop
exit 1

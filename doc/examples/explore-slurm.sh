#!/bin/sh
# explore-slurm.sh TRACE [DEPTH] - one shard of tcpsim explore per task of
# a Slurm job array (doc/explore.md). Submit with
#   sbatch --array=1-64 doc/examples/explore-slurm.sh TRACE 2
# and when every task has finished, from the same directory:
#   tcpsim explore --merge explore-shard-*.json
# Each task runs on one core; the shards are disjoint and together cover
# every schedule. TRACE must be readable at the same path by --merge.
#SBATCH --job-name=tcpsim-explore
#SBATCH --cpus-per-task=1
#SBATCH --output=explore-%A_%a.log
set -eu
trace=$1
depth=${2:-2}
: "${SLURM_ARRAY_TASK_ID:?submit as a job array: sbatch --array=1-N}"
n=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1))}
i=$((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1))
tcpsim explore --depth "$depth" --json --shard "$i/$n" "$trace" \
	>"explore-shard-$i.json.tmp"
mv "explore-shard-$i.json.tmp" "explore-shard-$i.json"

"""Production monitoring: drift statistics, threshold checks, and the incidents they open."""

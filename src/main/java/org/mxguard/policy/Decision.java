package org.mxguard.policy;

import org.mxguard.check.CheckResult;

/** One check result with the action the policy gave it, and why when an allowlist changed it. */
public record Decision(CheckResult result, Action action, String note) {
}

package org.mxguard.policy;

import org.mxguard.check.CheckResult;

/**
 * One check result with the action the policy gave it, and why when an allowlist changed it. In
 * scoring mode the action only says whether the check added to the score ({@code log}) or not
 * ({@code accept}); its points are in the verdict's {@link Score}.
 */
public record Decision(CheckResult result, Action action, String note) {
}

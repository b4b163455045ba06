"""DI estimators sharing one protocol, and the check_estimator conformance suite (monograph ch. 3)."""

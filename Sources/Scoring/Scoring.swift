/// The Scoring module.
enum ScoringModule {}

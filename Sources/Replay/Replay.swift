/// The Replay module.
enum ReplayModule {}

"""The live class: a snapshot's route from the student's socket to the teacher's chart, in one folder."""

"""Knowledge distillation: a student classifier learns from an ensemble of trained teachers and from the labels.

The trainer's output is the student's probabilities and the teachers' mean probabilities side by side, (N, 14),
computed on the same augmented batch; ``DistillationLoss`` blends

    alpha * T^2 * KL(teachers_T || student_T) + (1 - alpha) * cross-entropy(labels, student)

where ``p_T`` is ``p`` softened at temperature T (its logits divided by T; Hinton et al. 2015). The teachers are
frozen and run in inference mode. Imports keras at import time (training only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
from keras import ops

from inference.serving.types import EMOTIONS, InferenceError

CLASSES = len(EMOTIONS)


def teachers_load(paths: list[str], *, policy: str) -> list[Any]:
    """The classifiers in ``paths``, frozen, rebuilt under the dtype ``policy`` of the run (a float32 teacher would
    cost a bfloat16 run more than its student), except their softmax, which stays float32."""
    from inference.training.keras_model import keras_classifier_load

    teachers = []
    for i, path in enumerate(paths):
        if not Path(path).is_file():
            raise InferenceError(f"no teacher model at {path}")
        saved = keras_classifier_load(Path(path))
        config = saved.get_config()
        for layer in config["layers"]:
            if layer["class_name"] not in ("InputLayer",) and layer["config"].get("name") != "emotion":
                layer["config"]["dtype"] = policy
        config["name"] = f"teacher{i + 1}"
        teacher = keras.Model.from_config(config)
        teacher.set_weights(saved.get_weights())
        teacher.trainable = False
        teachers.append(teacher)
    return teachers


def distillation_outputs(student_probabilities: Any, augmented: Any, teachers: list[Any]) -> Any:
    """(N, 14): the student's probabilities, then the teachers' mean probabilities on the same augmented faces."""
    answers = [teacher(augmented, training=False) for teacher in teachers]
    mean = answers[0] if len(answers) == 1 else keras.layers.Average(name="teachers", dtype="float32")(answers)
    return keras.layers.Concatenate(name="student_and_teachers", dtype="float32")([student_probabilities, mean])


def _softened_log(probabilities: Any, temperature: float) -> Any:
    logits = ops.log(ops.clip(probabilities, 1e-7, 1.0)) / temperature
    return logits - ops.logsumexp(logits, axis=-1, keepdims=True)


@keras.saving.register_keras_serializable(package="classroom_pulse")
class DistillationLoss(keras.losses.Loss):
    """The blended loss on a (N, 14) student-and-teachers output; ``y_true`` is the one-hot label (N, 7)."""

    def __init__(
        self,
        alpha: float = 0.5,
        temperature: float = 4.0,
        label_smoothing: float = 0.0,
        name: str = "distillation",
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.alpha = alpha
        self.temperature = temperature
        self.label_smoothing = label_smoothing

    def call(self, y_true: Any, y_pred: Any) -> Any:
        student, teachers = y_pred[:, :CLASSES], y_pred[:, CLASSES:]
        hard = keras.losses.categorical_crossentropy(y_true, student, label_smoothing=self.label_smoothing)
        student_log = _softened_log(student, self.temperature)
        teachers_log = _softened_log(teachers, self.temperature)
        kl = ops.sum(ops.exp(teachers_log) * (teachers_log - student_log), axis=-1)
        return self.alpha * self.temperature**2 * kl + (1.0 - self.alpha) * hard

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha": self.alpha,
            "temperature": self.temperature,
            "label_smoothing": self.label_smoothing,
        }


@keras.saving.register_keras_serializable(package="classroom_pulse")
def student_accuracy(y_true: Any, y_pred: Any) -> Any:
    """Accuracy of the student's half of a student-and-teachers output."""
    return ops.cast(ops.argmax(y_true, axis=-1) == ops.argmax(y_pred[:, :CLASSES], axis=-1), "float32")

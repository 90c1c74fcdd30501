"""The words around the equations, in English and in French (the section's original language)."""

from __future__ import annotations

PROSE = {
    "en": {
        "title": "Forward propagation, backward propagation and the computational graph",
        "intro": (
            "The network has {layers}. An example $\\mathbf{x} \\in \\mathbb{R}^d$ is a "
            "column vector; the weights have the shape (outputs $\\times$ inputs). Every gradient "
            "has the shape of its variable."
        ),
        "batch_intro": (
            "The equations below are in minibatch form: a bold capital holds one example per "
            "row ($\\mathbf{X} \\in \\mathbb{R}^{n \\times d}$), $\\mathbf{1}_n$ is the "
            "vector of $n$ ones, and a parameter's gradient sums over the examples."
        ),
        "forward": "Forward propagation",
        "forward_text": (
            "Forward propagation computes and stores the intermediate variables in order, from "
            "the input layer to the output layer."
        ),
        "where": "Here",
        "elementwise": "applied elementwise",
        "loss_assumption": "the entries of $\\mathbf{y}$ sum to one",
        "loss_rows": (
            "written for one example: over a minibatch it applies to each row $\\mathbf{o}_i$ "
            "of $\\mathbf{O}$ and $\\mathbf{y}_i$ of $\\mathbf{Y}$"
        ),
        "graph": "Computational graph",
        "graph_shapes": (
            "Squares are variables and circles are operators; the parameters are filled."
        ),
        "graph_flow": (
            "Data flows from the input at the lower left to the objective at the upper right."
        ),
        "graph_folded": (
            "The chain is folded, one layer to a row, and rises from the input at the lower left "
            "to the objective at the upper right."
        ),
        "graph_lanes": "Each weight's edge to $\\ell_2$ climbs the left margin.",
        "graph_intro": (
            "The model is a computational graph written as equations: each quantity is defined "
            "once, from the inputs, the parameters and the quantities before it. An array is "
            "bold and a scalar italic; a vector is a column. Every gradient has the shape of "
            "its variable."
        ),
        "graph_left_right": "Data flows from left to right.",
        "graph_batch_intro": (
            "The equations below are in minibatch form: over $n$ examples, a quantity marked "
            "$^{(i)}$ is example $i$'s, while parameters, constants and hyperparameters are "
            "shared. The objective reduces its per-example terms and adds its shared terms "
            "once, and the gradient of a shared quantity sums the contributions of the examples."
        ),
        "code_graph": (
            "This graph has no NumPy module: in code a per-example quantity is a scalar or a "
            "vector, one row per example, and one of its quantities is a matrix per example."
        ),
        "code": "Generated code",
        "code_text": (
            "The NumPy module symderiv generates for this network: forward, backward, "
            "loss_and_grad and hvp, in batch form, importing nothing but NumPy."
        ),
        "code_generic": (
            "The section's φ and l are generic: with a concrete activation and loss "
            "(--activation, --loss), the page also shows the NumPy module for them."
        ),
        "backward": "Backpropagation",
        "backward_text": (
            "Backpropagation traverses the graph in reverse, from the objective to the input, "
            "by the chain rule,\\[\\frac{\\partial \\mathsf{Z}}{\\partial \\mathsf{X}} = "
            "\\textrm{prod}\\left(\\frac{\\partial \\mathsf{Z}}{\\partial \\mathsf{Y}}, "
            "\\frac{\\partial \\mathsf{Y}}{\\partial \\mathsf{X}}\\right),\\]where prod "
            "multiplies its arguments after the necessary transpositions and swaps."
        ),
        "and": "and",
        "layers": ("one hidden layer", "{k} hidden layers"),
        "activation_of_layer": "in layer {k}",
        "step": {
            "objective": "First, the gradients of the objective with respect to the loss term"
            "~$L$ and the regularization term~$s$:",
            "output": "Next, the gradient with respect to the output layer variable~${var}$:",
            "local": "The gradients of the regularization term with respect to the weights:",
            "parameter": "The gradient with respect to the parameter ${var}$:",
            "bias": "The gradient with respect to the bias ${var}$, which is not regularized:",
            "hidden": "Going backward towards the input, the gradient with respect to ${var}$:",
            "next_hidden": "Then the gradient with respect to ${var}$:",
            "preactivation": "The activation applies elementwise, so the gradient with respect "
            "to ${var}$ takes the elementwise product $\\odot$:",
        },
        "batch_bias": (
            "Over a minibatch a bias is shared by every example, so its gradient is the sum "
            "over the examples:"
        ),
        "hvp": "Second derivatives: Hessian-vector products",
        "hvp_text": (
            "For a direction $\\mathbf V = ({V})$ in parameter space, $\\mathcal{R}\\{\\cdot\\}$ is the "
            "derivative along $\\mathbf V$ (Pearlmutter's operator): $\\mathcal{R}\\{f\\} = "
            "\\frac{d}{dr} f(\\theta + r \\mathbf V)\\big|_{r=0}$. Applied to the gradient it gives the "
            "Hessian of $J$ times $\\mathbf V$, $\\mathbf{H}\\mathbf V$, whose block for each parameter "
            "$\\theta$ is $\\mathcal{R}\\{\\partial J / \\partial \\theta\\}$, without "
            "forming the Hessian. "
            "Applying it to every forward equation gives the tangents of forward propagation:"
        ),
        "hvp_backward": (
            "Applying it to every backward equation, in the same order, extends the graph "
            "backward; each line reuses the values of both passes:"
        ),
        "hvp_cost": (
            "Counted in the generated code, \\texttt{hvp} performs {hvp_count} matrix products, "
            "${hvp_work}$ multiply-adds (forward propagation included), and the gradient "
            "performs {gradient_count}, ${gradient_work}$: a Hessian-vector product costs {range} times a "
            "gradient. The dense Hessian takes one such product per parameter."
        ),
        "between": "between ${low}$ and ${high}$",
        "hvp_parts": (
            "Forward propagation and its tangents $\\mathcal{R}\\{\\cdot\\}$",
            "Backpropagation",
            "$\\mathcal{R}\\{\\cdot\\}$ of backpropagation",
        ),
        "hvp_graph_text": (
            "The extended graph, in the order its equations run: each box is the result of one "
            "equation, with an edge from every quantity the equation reads; a part repeats, "
            "as inputs, what it reads from the parts above it. Forward variables are white "
            "(parameters filled), adjoints orange, the directions $\\mathbf{V}_\\theta$ pale "
            "green, and the $\\mathcal{R}\\{\\cdot\\}$ of forward and backward quantities "
            "green."
        ),
        "parallel": "Over several devices (exercise 5)",
        "parallel_intro": (
            "The section's last exercise: the computational graph is too large for one GPU; can "
            "it be partitioned over more than one, and what does that cost against training on "
            "a smaller minibatch? Below, $P = {devices}$ devices share a step of $n$ examples, a "
            "number takes $b$ bytes (4 in float32, 8 in float64), and every count comes from the "
            "equations above."
        ),
        "parallel_data": (
            "\\emph{{Data parallelism.}} Every device holds all the parameters, $|\\theta|$ "
            "numbers, and runs forward and backward propagation on $n/P$ of the examples, "
            "keeping $k$ numbers for each; one all-reduce a step adds up the devices' gradient "
            "sums, so that every device has the gradient of the whole minibatch:"
        ),
        "parallel_data_table": (
            "\\emph{{Data parallelism.}} Every device holds all the parameters, $|\\theta|$ "
            "numbers, and runs forward and backward propagation on $n/P$ of the examples, "
            "keeping what the memory table counts for them: $T(n)$, the table's total for $n$ "
            "examples (the parameters, what forward keeps, every adjoint and gradient), at $n/P$. "
            "One all-reduce a step adds up the devices' gradient sums, so that every device has "
            "the gradient of the whole minibatch:"
        ),
        "parallel_model_table": (
            "Each device keeps the memory table's rows of its quantities, parameters and "
            "adjoints, and what it receives across a cut, which its backward propagation reads; "
            "what the code keeps besides the equations (such as logsumexp) goes with the last "
            "stage."
        ),
        "parallel_payload": "all-reduce, bytes a step",
        "parallel_sent": "sent by each device (ring)",
        "parallel_memory": "bytes on each device",
        "parallel_model": (
            "\\emph{{Model (layer) parallelism.}} The equations are cut between layers into "
            "{count} stages, one a device, each holding the parameters its equations read. "
            "Each step, what crosses a cut travels twice: forward, the quantities computed "
            "before it and read after it, for all $n$ examples; backward, their adjoints. The "
            "data a stage reads comes to it from the data, not from another device."
        ),
        "parallel_stage_header": ("device", "equations", "parameters", "bytes"),
        "parallel_cut_header": ("cut before", "forward", "backward", "bytes a step"),
        "parallel_tradeoff": (
            "\\emph{{Against a smaller minibatch.}} One device training on $n/P$ examples a "
            "step needs the memory of one data-parallel device and no communication, but each "
            "step's gradient averages $P$ times fewer examples: its variance, $\\sigma^2/n$ "
            "over $n$ examples, grows $P$-fold, and an epoch takes $P$ times as many steps. "
            "Data parallelism keeps the minibatch of $n$ and its variance at the cost of the "
            "all-reduce, which weighs most when $|\\theta|$ is large against the work of $n/P$ "
            "examples. Model parallelism keeps $n$ and splits the parameters, which matters "
            "when they do not fit on one device, at the cost of the bytes each cut passes and "
            "of devices waiting for each other: without pipelining the minibatch, one stage "
            "works at a time."
        ),
        "parallel_at": "At",
        "parallel_device": "device {k}",
        "parallel_figure": "The computational graph with the devices' stages in dashed boxes.",
        "memory": "Memory footprint",
        "memory_text": (
            "Training keeps, until backpropagation returns, what forward propagation stores "
            "for it and every adjoint and gradient of backpropagation (the generated "
            "\\texttt{loss\\_and\\_grad}); prediction keeps only the current layer. Over a "
            "minibatch of $n$ examples, in numbers of entries"
        ),
        "memory_at": "and in bytes at",
        "memory_bytes_each": "bytes each",
        "memory_header": ("array", "entries", "bytes", "role"),
        "memory_parameters": "parameters",
        "memory_roles": {
            "parameters": "the caller's",
            "forward": "kept by forward propagation",
            "adjoint": "adjoint",
            "gradient": "gradient",
            "reused": "adjoint, written into {array}",
        },
        "memory_total": "In all, training keeps ${total}$ numbers",
        "memory_total_bytes": "({bytes} bytes)",
        "memory_training_peak": (
            "With NumPy's temporaries, training allocates at most {bytes} bytes at once besides "
            "the caller's arrays (the inputs and the parameters)"
        ),
        "memory_prediction_peak": "and prediction at most {bytes} bytes.",
        "summary": "Summary",
        "summary_text": "The gradients of $J$ with respect to the parameters:",
        "training": (
            "Training alternates the two passes: backpropagation reuses the intermediate values "
            "stored by forward propagation, so they are kept until it is done."
        ),
    },
    "fr": {
        "title": "Propagation avant, rétropropagation et graphe de calcul",
        "intro": (
            "Le réseau a {layers}. Un exemple $\\mathbf{x} \\in \\mathbb{R}^d$ est un "
            "vecteur colonne ; les poids ont la forme (sorties $\\times$ entrées). Chaque "
            "gradient a la forme de sa variable."
        ),
        "batch_intro": (
            "Les équations ci-dessous sont écrites pour un minibatch : une capitale grasse "
            "contient un exemple par ligne ($\\mathbf{X} \\in \\mathbb{R}^{n \\times d}$), "
            "$\\mathbf{1}_n$ est le vecteur de $n$ uns, et le gradient d'un paramètre est une "
            "somme sur les exemples."
        ),
        "forward": "Propagation avant",
        "forward_text": (
            "La propagation avant calcule et stocke, dans l'ordre, les variables intermédiaires, "
            "de la couche d'entrée à la couche de sortie."
        ),
        "where": "Ici",
        "elementwise": "appliquée élément par élément",
        "loss_assumption": "les composantes de $\\mathbf{y}$ ont pour somme un",
        "loss_rows": (
            "écrite pour un exemple : sur un minibatch, elle s'applique à chaque ligne "
            "$\\mathbf{o}_i$ de $\\mathbf{O}$ et $\\mathbf{y}_i$ de $\\mathbf{Y}$"
        ),
        "graph": "Graphe de calcul",
        "graph_shapes": (
            "Les carrés sont des variables et les cercles des opérateurs ; les paramètres sont "
            "remplis."
        ),
        "graph_flow": (
            "Les données vont de l'entrée, en bas à gauche, vers l'objectif, en haut à droite."
        ),
        "graph_folded": (
            "La chaîne est repliée, une couche par rangée, et monte de l'entrée, en bas à "
            "gauche, vers l'objectif, en haut à droite."
        ),
        "graph_lanes": "L'arête de chaque poids vers $\\ell_2$ monte le long de la marge gauche.",
        "graph_intro": (
            "Le modèle est un graphe de calcul écrit en équations : chaque quantité est définie "
            "une fois, à partir des entrées, des paramètres et des quantités qui la précèdent. "
            "Un tableau est en gras et un scalaire en italique ; un vecteur est une colonne. "
            "Chaque gradient a la forme de sa variable."
        ),
        "graph_left_right": "Les données vont de gauche à droite.",
        "graph_batch_intro": (
            "Les équations ci-dessous sont écrites pour un minibatch : sur $n$ exemples, une "
            "quantité marquée $^{(i)}$ est celle de l'exemple $i$, tandis que les paramètres, "
            "les constantes et les hyperparamètres sont partagés. L'objectif réduit ses termes "
            "par exemple et ajoute une fois ses termes partagés, et le gradient d'une quantité "
            "partagée somme les contributions des exemples."
        ),
        "code_graph": (
            "Ce graphe n'a pas de module NumPy : dans le code, une quantité par exemple est un "
            "scalaire ou un vecteur, une ligne par exemple, et l'une de ses quantités est une "
            "matrice par exemple."
        ),
        "code": "Code généré",
        "code_text": (
            "Le module NumPy que symderiv génère pour ce réseau : forward, backward, "
            "loss_and_grad et hvp, sous forme de minibatch, sans autre import que NumPy."
        ),
        "code_generic": (
            "Les φ et l de la section sont génériques : avec une activation et une perte "
            "concrètes (--activation, --loss), la page montre aussi le module NumPy."
        ),
        "backward": "Rétropropagation",
        "backward_text": (
            "La rétropropagation parcourt le graphe en sens inverse, de l'objectif vers "
            "l'entrée, selon la règle de dérivation en chaîne :\\[\\frac{\\partial \\mathsf{Z}}"
            "{\\partial \\mathsf{X}} = \\textrm{prod}\\left(\\frac{\\partial \\mathsf{Z}}"
            "{\\partial \\mathsf{Y}}, \\frac{\\partial \\mathsf{Y}}{\\partial \\mathsf{X}}"
            "\\right),\\]où prod multiplie ses arguments après les transpositions et permutations "
            "nécessaires."
        ),
        "and": "et",
        "layers": ("une couche cachée", "{k} couches cachées"),
        "activation_of_layer": "dans la couche {k}",
        "step": {
            "objective": "D'abord, les gradients de la fonction objectif par rapport au terme de "
            "perte~$L$ et au terme de régularisation~$s$ :",
            "output": "Ensuite, le gradient par rapport à la variable de la couche de sortie "
            "${var}$ :",
            "local": "Les gradients du terme de régularisation par rapport aux poids :",
            "parameter": "Le gradient par rapport au paramètre ${var}$ :",
            "bias": "Le gradient par rapport au biais ${var}$, qui n'est pas régularisé :",
            "hidden": "En remontant vers l'entrée, le gradient par rapport à ${var}$ :",
            "next_hidden": "Puis le gradient par rapport à ${var}$ :",
            "preactivation": "L'activation s'applique élément par élément, donc le gradient par "
            "rapport à ${var}$ fait intervenir le produit élément par élément $\\odot$ :",
        },
        "batch_bias": (
            "Sur un minibatch, un biais est partagé par tous les exemples : son gradient est la "
            "somme sur les exemples :"
        ),
        "hvp": "Dérivées secondes : produits hessienne-vecteur",
        "hvp_text": (
            "Pour une direction $\\mathbf V = ({V})$ de l'espace des paramètres, "
            "$\\mathcal{R}\\{\\cdot\\}$ est la dérivée selon $\\mathbf V$ (l'opérateur de "
            "Pearlmutter) : $\\mathcal{R}\\{f\\} = \\frac{d}{dr} f(\\theta + r \\mathbf V)"
            "\\big|_{r=0}$. Appliqué au gradient, il donne la hessienne de $J$ multipliée par "
            "$\\mathbf V$, $\\mathbf{H}\\mathbf V$, dont le bloc de chaque paramètre $\\theta$ est "
            "$\\mathcal{R}\\{\\partial J / \\partial \\theta\\}$, sans former la "
            "hessienne. Appliqué à chaque "
            "équation de la propagation avant, il en donne les tangentes :"
        ),
        "hvp_backward": (
            "Appliqué à chaque équation de la rétropropagation, dans le même ordre, il prolonge "
            "le graphe vers l'arrière ; chaque ligne réutilise les valeurs des deux passes :"
        ),
        "hvp_cost": (
            "Compté dans le code généré, \\texttt{hvp} effectue {hvp_count} produits matriciels, "
            "${hvp_work}$ multiplications-additions (propagation avant comprise), et le "
            "gradient en effectue {gradient_count}, ${gradient_work}$ : un produit hessienne-vecteur coûte "
            "{range} fois un gradient. La hessienne dense demande un tel produit par paramètre."
        ),
        "between": "entre ${low}$ et ${high}$",
        "hvp_parts": (
            "La propagation avant et ses tangentes $\\mathcal{R}\\{\\cdot\\}$",
            "La rétropropagation",
            "$\\mathcal{R}\\{\\cdot\\}$ de la rétropropagation",
        ),
        "hvp_graph_text": (
            "Le graphe étendu, dans l'ordre où ses équations s'exécutent : chaque boîte est le "
            "résultat d'une équation, avec une arête depuis chaque quantité que l'équation "
            "lit ; une partie reprend, en entrée, ce qu'elle lit des parties au-dessus d'elle. "
            "Les variables de la propagation avant "
            "sont en blanc (les paramètres remplis), les adjoints en orange, les directions "
            "$\\mathbf{V}_\\theta$ en vert pâle, et les $\\mathcal{R}\\{\\cdot\\}$ des "
            "quantités des deux passes en vert."
        ),
        "parallel": "Sur plusieurs processeurs (exercice 5)",
        "parallel_intro": (
            "Le dernier exercice de la section : le graphe de calcul est trop grand pour un GPU ; "
            "peut-on le répartir sur plusieurs, et qu'en coûte-t-il face à un entraînement sur "
            "un minibatch plus petit ? Ci-dessous, $P = {devices}$ processeurs se partagent une "
            "étape de $n$ exemples, un nombre occupe $b$ octets (4 en float32, 8 en float64), et "
            "chaque compte vient des équations ci-dessus."
        ),
        "parallel_data": (
            "\\emph{{Parallélisme de données.}} Chaque processeur détient tous les paramètres, "
            "$|\\theta|$ nombres, et effectue la propagation avant et la rétropropagation sur "
            "$n/P$ des exemples, en conservant $k$ nombres pour chacun ; une réduction globale "
            "(all-reduce) par étape additionne les sommes de gradients des processeurs, de sorte "
            "que chacun dispose du gradient du minibatch entier :"
        ),
        "parallel_data_table": (
            "\\emph{{Parallélisme de données.}} Chaque processeur détient tous les paramètres, "
            "$|\\theta|$ nombres, et effectue la propagation avant et la rétropropagation sur "
            "$n/P$ des exemples, en conservant ce que compte le tableau de mémoire : $T(n)$, le "
            "total du tableau pour $n$ exemples (les paramètres, ce que conserve la propagation "
            "avant, chaque adjoint et chaque gradient), pris en $n/P$. Une réduction globale "
            "(all-reduce) par étape additionne les sommes de gradients des processeurs, de sorte "
            "que chacun dispose du gradient du minibatch entier :"
        ),
        "parallel_model_table": (
            "Chaque processeur conserve les lignes du tableau de mémoire de ses grandeurs, de "
            "ses paramètres et de leurs adjoints, ainsi que ce qu'il reçoit à travers une coupe, "
            "que lit sa rétropropagation ; ce que le code conserve en plus des équations (comme "
            "logsumexp) va avec le dernier étage."
        ),
        "parallel_payload": "réduction globale, octets par étape",
        "parallel_sent": "envoyés par chaque processeur (anneau)",
        "parallel_memory": "octets sur chaque processeur",
        "parallel_model": (
            "\\emph{{Parallélisme de modèle (par couches).}} Les équations sont coupées entre "
            "les couches en {count} étages, un par processeur, chacun détenant les paramètres "
            "que lisent ses équations. À chaque étape, ce qui traverse une coupe voyage deux "
            "fois : en avant, les grandeurs calculées avant elle et lues après, pour les $n$ "
            "exemples ; en arrière, leurs adjoints. Les données qu'un étage lit lui viennent des "
            "données, non d'un autre processeur."
        ),
        "parallel_stage_header": ("processeur", "équations", "paramètres", "octets"),
        "parallel_cut_header": ("coupe avant", "en avant", "en arrière", "octets par étape"),
        "parallel_tradeoff": (
            "\\emph{{Face à un minibatch plus petit.}} Un seul processeur entraîné sur $n/P$ "
            "exemples par étape demande la mémoire d'un processeur du parallélisme de données "
            "et aucune communication, mais le gradient de chaque étape moyenne $P$ fois moins "
            "d'exemples : sa variance, $\\sigma^2/n$ sur $n$ exemples, est multipliée par $P$, "
            "et une époque demande $P$ fois plus d'étapes. Le parallélisme de données garde le "
            "minibatch de $n$ et sa variance, au prix de la réduction globale, qui pèse le plus "
            "quand $|\\theta|$ est grand devant le travail de $n/P$ exemples. Le parallélisme "
            "de modèle garde $n$ et répartit les paramètres, ce qui compte quand ils ne tiennent "
            "pas sur un processeur, au prix des octets que passe chaque coupe et de processeurs "
            "qui s'attendent : sans découper le minibatch en pipeline, un seul étage travaille à "
            "la fois."
        ),
        "parallel_at": "Pour",
        "parallel_device": "processeur {k}",
        "parallel_figure": "Le graphe de calcul, les étages des processeurs en pointillés.",
        "memory": "Empreinte mémoire",
        "memory_text": (
            "L'entraînement conserve, jusqu'à la fin de la rétropropagation, ce que la "
            "propagation avant stocke pour elle ainsi que chaque adjoint et chaque gradient "
            "de la rétropropagation (la fonction générée \\texttt{loss\\_and\\_grad}) ; la "
            "prédiction ne conserve que la couche courante. Sur un minibatch de $n$ exemples, "
            "en nombre de coefficients"
        ),
        "memory_at": "et en octets pour",
        "memory_bytes_each": "octets chacun",
        "memory_header": ("tableau", "coefficients", "octets", "rôle"),
        "memory_parameters": "paramètres",
        "memory_roles": {
            "parameters": "ceux de l'appelant",
            "forward": "stocké par la propagation avant",
            "adjoint": "adjoint",
            "gradient": "gradient",
            "reused": "adjoint, écrit dans {array}",
        },
        "memory_total": "Au total, l'entraînement conserve ${total}$ nombres",
        "memory_total_bytes": "({bytes} octets)",
        "memory_training_peak": (
            "Avec les temporaires de NumPy, l'entraînement alloue au plus {bytes} octets à la "
            "fois en plus des tableaux de l'appelant (les entrées et les paramètres)"
        ),
        "memory_prediction_peak": "et la prédiction au plus {bytes} octets.",
        "summary": "Récapitulatif",
        "summary_text": "Les gradients de $J$ par rapport aux paramètres :",
        "training": (
            "L'entraînement alterne les deux passes : la rétropropagation réutilise les valeurs "
            "intermédiaires stockées par la propagation avant, qui sont donc conservées jusqu'à "
            "la fin de la rétropropagation."
        ),
    },
}

LANGUAGES = tuple(PROSE)
